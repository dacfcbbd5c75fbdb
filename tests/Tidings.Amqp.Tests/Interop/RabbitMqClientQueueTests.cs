using System.Text;
using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>Queue lifecycle, queue arguments and dead-lettering as RabbitMQ.Client sees them.</summary>
public sealed class RabbitMqClientQueueTests
{
    [Fact]
    public async Task An_empty_queue_name_gets_a_server_generated_amq_gen_name()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        var first = await channel.QueueDeclareAsync();
        var second = await channel.QueueDeclareAsync();

        Assert.StartsWith("amq.gen-", first.QueueName);
        Assert.NotEqual(first.QueueName, second.QueueName);
        Assert.Equal(first.QueueName, (await channel.QueueDeclarePassiveAsync(first.QueueName)).QueueName);
    }

    [Fact]
    public async Task Declare_ok_reports_ready_messages_and_consumers()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("counted", false, false, false);
        for (int i = 0; i < 4; i++) await RabbitMq.PublishAsync(channel, "", "counted", $"m{i}");
        await using var consumerChannel = await connection.CreateChannelAsync();
        await consumerChannel.BasicQosAsync(0, 1, false);
        await consumerChannel.BasicConsumeAsync("counted", false, new CollectingConsumer(consumerChannel));

        await Eventually.TrueAsync(async () => (await channel.QueueDeclarePassiveAsync("counted")).MessageCount == 3,
            "one message should be out with the consumer");
        var ok = await channel.QueueDeclareAsync("counted", false, false, false);

        Assert.Equal((3u, 1u), (ok.MessageCount, ok.ConsumerCount));
    }

    [Fact]
    public async Task An_auto_delete_queue_is_deleted_when_its_last_consumer_cancels()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("ephemeral", durable: false, exclusive: false, autoDelete: true);
        string a = await channel.BasicConsumeAsync("ephemeral", true, new CollectingConsumer(channel));
        string b = await channel.BasicConsumeAsync("ephemeral", true, new CollectingConsumer(channel));

        await channel.BasicCancelAsync(a);
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync("ephemeral")).ConsumerCount);
        await channel.BasicCancelAsync(b);

        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclarePassiveAsync("ephemeral"), 404,
            "NOT_FOUND - no queue 'ephemeral' in vhost '/'");
    }

    [Fact]
    public async Task An_auto_delete_queue_that_never_had_a_consumer_stays()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await channel.QueueDeclareAsync("waiting", durable: false, exclusive: false, autoDelete: true);
        await Task.Delay(200);

        Assert.Equal("waiting", (await channel.QueueDeclarePassiveAsync("waiting")).QueueName);
    }

    [Fact]
    public async Task An_exclusive_queue_is_deleted_when_its_connection_closes()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var owner = await RabbitMq.ConnectAsync(server);
        await using (var channel = await owner.CreateChannelAsync())
            await channel.QueueDeclareAsync("private-inbox", durable: false, exclusive: true, autoDelete: false);

        await owner.CloseAsync();
        await owner.DisposeAsync();

        await using var other = await RabbitMq.ConnectAsync(server);
        await using var check = await other.CreateChannelAsync();
        await Eventually.TrueAsync(() => server.Broker.DefaultVirtualHost.FindQueue("private-inbox") is null,
            "the exclusive queue outlived its connection");
        await RabbitMq.AssertRefusedAsync(() => check.QueueDeclarePassiveAsync("private-inbox"), 404);
    }

    [Fact]
    public async Task Purge_returns_the_number_of_ready_messages_removed()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        for (int i = 0; i < 7; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");
        var unacked = await channel.BasicGetAsync(queue, autoAck: false);

        uint purged = await channel.QueuePurgeAsync(queue);

        Assert.Equal(6u, purged);
        Assert.Equal(0u, await channel.MessageCountAsync(queue));
        // The delivered-but-unacked message was not purged: rejecting it brings it back.
        await channel.BasicRejectAsync(unacked!.DeliveryTag, requeue: true);
        Assert.Equal(1u, (await channel.QueueDeclarePassiveAsync(queue)).MessageCount);
    }

    [Fact]
    public async Task Delete_returns_the_message_count_and_removes_the_queue()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        for (int i = 0; i < 5; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");

        uint deleted = await channel.QueueDeleteAsync(queue);

        Assert.Equal(5u, deleted);
        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclarePassiveAsync(queue), 404);
    }

    [Fact]
    public async Task Delete_if_empty_fails_with_406_while_the_queue_holds_messages()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var setup = await connection.CreateChannelAsync();
        await setup.QueueDeclareAsync("full", false, false, false);
        await RabbitMq.PublishAsync(setup, "", "full", "still here");
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeleteAsync("full", ifUnused: false, ifEmpty: true), 406,
            "PRECONDITION_FAILED - queue 'full' in vhost '/' not empty");
        Assert.Equal(1u, await setup.MessageCountAsync("full"));
    }

    [Fact]
    public async Task Delete_if_unused_fails_with_406_while_the_queue_has_consumers()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var setup = await connection.CreateChannelAsync();
        await setup.QueueDeclareAsync("busy", false, false, false);
        await setup.BasicConsumeAsync("busy", true, new CollectingConsumer(setup));
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeleteAsync("busy", ifUnused: true, ifEmpty: false), 406,
            "PRECONDITION_FAILED - queue 'busy' in vhost '/' in use");
        Assert.Equal(1u, await setup.ConsumerCountAsync("busy"));
    }

    [Fact]
    public async Task Deleting_a_missing_queue_succeeds_with_zero_messages()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        Assert.Equal(0u, await channel.QueueDeleteAsync("never-declared"));
        Assert.True(channel.IsOpen);
    }

    [Fact]
    public async Task Expired_messages_are_dead_lettered_with_an_x_death_header()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("dlx", ExchangeType.Fanout);
        await channel.QueueDeclareAsync("graveyard", false, false, false);
        await channel.QueueBindAsync("graveyard", "dlx", "");
        await channel.QueueDeclareAsync("short-lived", false, false, false, new Dictionary<string, object?>
        {
            ["x-message-ttl"] = 50,
            ["x-dead-letter-exchange"] = "dlx",
        });
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        await RabbitMq.PublishAsync(channel, "amq.direct", "ignored", "unused");
        await RabbitMq.PublishAsync(channel, "", "short-lived", "too slow", new BasicProperties { MessageId = "m-42" });

        BasicGetResult? dead = null;
        await Eventually.TrueAsync(async () => (dead = await channel.BasicGetAsync("graveyard", autoAck: true)) is not null,
            "the expired message was not dead-lettered");
        Assert.Equal("too slow", Encoding.UTF8.GetString(dead!.Body.Span));
        Assert.Equal("m-42", dead.BasicProperties.MessageId);
        Assert.Equal("dlx", dead.Exchange);
        Assert.Equal("short-lived", dead.RoutingKey);
        var headers = dead.BasicProperties.Headers!;
        var deaths = Assert.IsType<List<object>>(headers["x-death"]);
        var death = Assert.IsType<Dictionary<string, object?>>(Assert.Single(deaths));
        Assert.Equal(1L, death["count"]);
        Assert.Equal("expired", RabbitMq.Text(death["reason"]));
        Assert.Equal("short-lived", RabbitMq.Text(death["queue"]));
        Assert.Equal("", RabbitMq.Text(death["exchange"]));
        Assert.Equal(["short-lived"], Assert.IsType<List<object>>(death["routing-keys"]).Select(RabbitMq.Text));
        var time = Assert.IsType<AmqpTimestamp>(death["time"]);
        Assert.InRange(time.UnixTime, before - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.Equal("expired", RabbitMq.Text(headers["x-first-death-reason"]));
        Assert.Equal("short-lived", RabbitMq.Text(headers["x-first-death-queue"]));
        Assert.Equal("", RabbitMq.Text(headers["x-first-death-exchange"]));
    }

    [Fact]
    public async Task Rejected_messages_are_dead_lettered_with_reason_rejected_and_a_fixed_routing_key()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string parking = await RabbitMq.TempQueueAsync(channel);
        await channel.QueueBindAsync(parking, "amq.direct", "parked");
        await channel.QueueDeclareAsync("work", false, false, false, new Dictionary<string, object?>
        {
            ["x-dead-letter-exchange"] = "amq.direct",
            ["x-dead-letter-routing-key"] = "parked",
        });
        await RabbitMq.PublishAsync(channel, "", "work", "poison");

        var got = await channel.BasicGetAsync("work", autoAck: false);
        await channel.BasicNackAsync(got!.DeliveryTag, multiple: false, requeue: false);

        BasicGetResult? dead = null;
        await Eventually.TrueAsync(async () => (dead = await channel.BasicGetAsync(parking, autoAck: true)) is not null,
            "the rejected message was not dead-lettered");
        Assert.Equal("parked", dead!.RoutingKey);
        var death = Assert.IsType<Dictionary<string, object?>>(Assert.Single(Assert.IsType<List<object>>(dead.BasicProperties.Headers!["x-death"])));
        Assert.Equal("rejected", RabbitMq.Text(death["reason"]));
        Assert.Equal("work", RabbitMq.Text(death["queue"]));
        Assert.Equal(["work"], Assert.IsType<List<object>>(death["routing-keys"]).Select(RabbitMq.Text));
    }

    [Fact]
    public async Task A_message_dead_lettered_twice_from_the_same_queue_counts_two_deaths()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("retry", false, false, false, new Dictionary<string, object?>
        {
            ["x-dead-letter-exchange"] = "",
            ["x-dead-letter-routing-key"] = "retry-wait",
        });
        await channel.QueueDeclareAsync("retry-wait", false, false, false);
        await RabbitMq.PublishAsync(channel, "", "retry", "job");

        for (int attempt = 0; attempt < 2; attempt++)
        {
            var got = await channel.BasicGetAsync("retry", autoAck: false);
            await channel.BasicRejectAsync(got!.DeliveryTag, requeue: false);
            BasicGetResult? parked = null;
            await Eventually.TrueAsync(async () => (parked = await channel.BasicGetAsync("retry-wait", autoAck: true)) is not null,
                "not dead-lettered");
            // Send it back for another attempt, headers and all.
            await channel.BasicPublishAsync("", "retry", false, new BasicProperties(parked!.BasicProperties), parked.Body);
        }

        var final = await channel.BasicGetAsync("retry", autoAck: true);
        var death = Assert.IsType<Dictionary<string, object?>>(Assert.Single(Assert.IsType<List<object>>(final!.BasicProperties.Headers!["x-death"])));
        Assert.Equal(2L, death["count"]);
    }

    [Fact]
    public async Task Drop_head_max_length_keeps_the_newest_messages()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel, new Dictionary<string, object?> { ["x-max-length"] = 3 });

        for (int i = 0; i < 6; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");

        var left = new List<string>();
        while (await channel.BasicGetAsync(queue, true) is { } r) left.Add(Encoding.UTF8.GetString(r.Body.Span));
        Assert.Equal(["m3", "m4", "m5"], left);
    }

    [Fact]
    public async Task Per_message_expiration_drops_the_message_once_it_reaches_the_head()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);

        await RabbitMq.PublishAsync(channel, "", queue, "ephemeral", new BasicProperties { Expiration = "30" });
        await RabbitMq.PublishAsync(channel, "", queue, "durable");
        await Task.Delay(150);

        var got = await channel.BasicGetAsync(queue, autoAck: true);
        Assert.Equal("durable", Encoding.UTF8.GetString(got!.Body.Span));
        Assert.Null(await channel.BasicGetAsync(queue, autoAck: true));
    }

    [Fact]
    public async Task Max_priority_queue_delivers_higher_priorities_first()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel, new Dictionary<string, object?> { ["x-max-priority"] = 5 });

        byte[] priorities = [0, 3, 9, 1, 5, 3];
        for (int i = 0; i < priorities.Length; i++)
            await RabbitMq.PublishAsync(channel, "", queue, $"p{priorities[i]}-{i}", new BasicProperties { Priority = priorities[i] });

        var order = new List<string>();
        while (await channel.BasicGetAsync(queue, true) is { } r) order.Add(Encoding.UTF8.GetString(r.Body.Span));
        // Priorities above x-max-priority count as the maximum; equal priorities keep publish order.
        Assert.Equal(["p9-2", "p5-4", "p3-1", "p3-5", "p1-3", "p0-0"], order);
    }

    [Fact]
    public async Task A_queue_with_x_expires_is_deleted_after_being_unused()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("idle", false, false, false, new Dictionary<string, object?> { ["x-expires"] = 200 });

        await Eventually.TrueAsync(() => server.Broker.DefaultVirtualHost.FindQueue("idle") is null, "the idle queue was not expired");

        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclarePassiveAsync("idle"), 404);
    }

    [Fact]
    public async Task Redeclaring_a_queue_with_the_same_arguments_is_a_no_op()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        var arguments = new Dictionary<string, object?> { ["x-message-ttl"] = 60000, ["x-max-length"] = 100L };
        await channel.QueueDeclareAsync("stable", true, false, false, arguments);
        await RabbitMq.PublishAsync(channel, "", "stable", "kept");

        var again = await channel.QueueDeclareAsync("stable", true, false, false, arguments);

        Assert.Equal(1u, again.MessageCount);
    }
}
