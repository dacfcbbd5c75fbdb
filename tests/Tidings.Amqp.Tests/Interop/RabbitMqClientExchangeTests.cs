using System.Text;
using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>Exchange types, exchange-to-exchange bindings and exchange lifecycle through RabbitMQ.Client.</summary>
public sealed class RabbitMqClientExchangeTests
{
    [Fact]
    public async Task Direct_exchange_routes_by_exact_routing_key()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("logs.direct", ExchangeType.Direct);
        string errors = await BoundQueueAsync(channel, "logs.direct", "error");
        string infos = await BoundQueueAsync(channel, "logs.direct", "info");
        await channel.QueueBindAsync(errors, "logs.direct", "critical");

        await RabbitMq.PublishAsync(channel, "logs.direct", "error", "e1");
        await RabbitMq.PublishAsync(channel, "logs.direct", "critical", "c1");
        await RabbitMq.PublishAsync(channel, "logs.direct", "info", "i1");
        await RabbitMq.PublishAsync(channel, "logs.direct", "debug", "dropped");

        Assert.Equal(["e1", "c1"], await DrainAsync(channel, errors));
        Assert.Equal(["i1"], await DrainAsync(channel, infos));
    }

    [Fact]
    public async Task Fanout_exchange_copies_every_message_to_every_bound_queue()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("broadcast", ExchangeType.Fanout);
        var queues = new List<string>();
        for (int i = 0; i < 3; i++) queues.Add(await BoundQueueAsync(channel, "broadcast", $"ignored-{i}"));

        await RabbitMq.PublishAsync(channel, "broadcast", "any-key", "hello all");

        foreach (var queue in queues) Assert.Equal(["hello all"], await DrainAsync(channel, queue));
    }

    [Fact]
    public async Task Topic_exchange_matches_star_and_hash_wildcards()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("animals", ExchangeType.Topic);
        string orange = await BoundQueueAsync(channel, "animals", "*.orange.*");
        string lazyOrRabbit = await BoundQueueAsync(channel, "animals", "*.*.rabbit");
        await channel.QueueBindAsync(lazyOrRabbit, "animals", "lazy.#");
        string everything = await BoundQueueAsync(channel, "animals", "#");

        string[] keys = ["quick.orange.rabbit", "lazy.orange.elephant", "quick.orange.fox", "lazy.brown.fox",
                         "lazy.pink.rabbit", "quick.brown.fox", "orange", "lazy", "quick.orange.male.rabbit", ""];
        foreach (var key in keys) await RabbitMq.PublishAsync(channel, "animals", key, key);

        Assert.Equal(["quick.orange.rabbit", "lazy.orange.elephant", "quick.orange.fox"], await DrainAsync(channel, orange));
        Assert.Equal(["quick.orange.rabbit", "lazy.orange.elephant", "lazy.brown.fox", "lazy.pink.rabbit", "lazy"],
            await DrainAsync(channel, lazyOrRabbit));
        Assert.Equal(keys, await DrainAsync(channel, everything));
    }

    [Fact]
    public async Task Headers_exchange_matches_all_or_any_of_the_binding_headers()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("reports", ExchangeType.Headers);
        string all = await RabbitMq.TempQueueAsync(channel);
        string any = await RabbitMq.TempQueueAsync(channel);
        await channel.QueueBindAsync(all, "reports", "", new Dictionary<string, object?>
        {
            ["x-match"] = "all",
            ["format"] = "pdf",
            ["type"] = "report",
        });
        await channel.QueueBindAsync(any, "reports", "", new Dictionary<string, object?>
        {
            ["x-match"] = "any",
            ["format"] = "pdf",
            ["type"] = "log",
        });

        await Publish("pdf-report", new() { ["format"] = "pdf", ["type"] = "report" });
        await Publish("pdf-only", new() { ["format"] = "pdf" });
        await Publish("log-only", new() { ["type"] = "log" });
        await Publish("zip-report", new() { ["format"] = "zip", ["type"] = "report" });
        await Publish("no-headers", null);

        Assert.Equal(["pdf-report"], await DrainAsync(channel, all));
        Assert.Equal(["pdf-report", "pdf-only", "log-only"], await DrainAsync(channel, any));

        Task Publish(string body, Dictionary<string, object?>? headers) =>
            RabbitMq.PublishAsync(channel, "reports", "ignored", body, new BasicProperties { Headers = headers }).AsTask();
    }

    [Fact]
    public async Task Exchange_to_exchange_binding_forwards_matching_messages_until_unbound()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("upstream", ExchangeType.Topic);
        await channel.ExchangeDeclareAsync("downstream", ExchangeType.Fanout);
        await channel.ExchangeBindAsync(destination: "downstream", source: "upstream", routingKey: "orders.*");
        string queue = await BoundQueueAsync(channel, "downstream", "");

        await RabbitMq.PublishAsync(channel, "upstream", "orders.created", "forwarded");
        await RabbitMq.PublishAsync(channel, "upstream", "payments.created", "not forwarded");
        await channel.ExchangeUnbindAsync(destination: "downstream", source: "upstream", routingKey: "orders.*");
        await RabbitMq.PublishAsync(channel, "upstream", "orders.created", "after unbind");

        Assert.Equal(["forwarded"], await DrainAsync(channel, queue));
    }

    [Fact]
    public async Task A_queue_reachable_by_several_paths_gets_one_copy_and_cycles_do_not_loop()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("x-a", ExchangeType.Fanout);
        await channel.ExchangeDeclareAsync("x-b", ExchangeType.Fanout);
        await channel.ExchangeBindAsync("x-b", "x-a", "");
        await channel.ExchangeBindAsync("x-a", "x-b", "");
        string queue = await BoundQueueAsync(channel, "x-a", "");
        await channel.QueueBindAsync(queue, "x-b", "");

        await RabbitMq.PublishAsync(channel, "x-a", "", "once");

        Assert.Equal(["once"], await DrainAsync(channel, queue));
    }

    [Fact]
    public async Task Unroutable_messages_go_to_the_alternate_exchange()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("unrouted", ExchangeType.Fanout);
        string catchAll = await BoundQueueAsync(channel, "unrouted", "");
        await channel.ExchangeDeclareAsync("main", ExchangeType.Direct,
            arguments: new Dictionary<string, object?> { ["alternate-exchange"] = "unrouted" });
        string known = await BoundQueueAsync(channel, "main", "known");

        await RabbitMq.PublishAsync(channel, "main", "known", "routed");
        await RabbitMq.PublishAsync(channel, "main", "unknown", "fell through");

        Assert.Equal(["routed"], await DrainAsync(channel, known));
        var fallen = await channel.BasicGetAsync(catchAll, autoAck: true);
        Assert.Equal("fell through", Encoding.UTF8.GetString(fallen!.Body.Span));
        // The message keeps its original exchange and routing key.
        Assert.Equal(("main", "unknown"), (fallen.Exchange, fallen.RoutingKey));
    }

    [Fact]
    public async Task A_mandatory_message_caught_by_an_alternate_exchange_is_not_returned()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        await channel.ExchangeDeclareAsync("ae", ExchangeType.Fanout);
        string catchAll = await BoundQueueAsync(channel, "ae", "");
        await channel.ExchangeDeclareAsync("with-ae", ExchangeType.Direct,
            arguments: new Dictionary<string, object?> { ["alternate-exchange"] = "ae" });

        await RabbitMq.PublishAsync(channel, "with-ae", "nowhere", "saved", mandatory: true);

        Assert.Equal(1u, await channel.MessageCountAsync(catchAll));
    }

    [Fact]
    public async Task An_auto_delete_exchange_disappears_when_its_last_binding_goes()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("temporary", ExchangeType.Direct, durable: false, autoDelete: true);
        string q1 = await BoundQueueAsync(channel, "temporary", "a");
        string q2 = await BoundQueueAsync(channel, "temporary", "b");

        await channel.QueueUnbindAsync(q1, "temporary", "a");
        await channel.ExchangeDeclarePassiveAsync("temporary");
        await channel.QueueDeleteAsync(q2);

        await RabbitMq.AssertRefusedAsync(() => channel.ExchangeDeclarePassiveAsync("temporary"), 404,
            "NOT_FOUND - no exchange 'temporary' in vhost '/'");
    }

    [Fact]
    public async Task Deleting_an_exchange_with_if_unused_fails_with_406_while_it_has_bindings()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var setup = await connection.CreateChannelAsync();
        await setup.ExchangeDeclareAsync("busy", ExchangeType.Direct);
        string queue = await BoundQueueAsync(setup, "busy", "k");

        await using (var channel = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => channel.ExchangeDeleteAsync("busy", ifUnused: true), 406,
                "PRECONDITION_FAILED - exchange 'busy' in vhost '/' in use");

        await setup.QueueUnbindAsync(queue, "busy", "k");
        await setup.ExchangeDeleteAsync("busy", ifUnused: true);
        await using var check = await connection.CreateChannelAsync();
        await RabbitMq.AssertRefusedAsync(() => check.ExchangeDeclarePassiveAsync("busy"), 404);
    }

    [Fact]
    public async Task Deleting_an_exchange_removes_its_bindings_and_deleting_a_missing_one_succeeds()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("short-lived", ExchangeType.Fanout);
        string queue = await BoundQueueAsync(channel, "short-lived", "");

        await channel.ExchangeDeleteAsync("short-lived");
        await channel.ExchangeDeleteAsync("never-existed");
        await channel.ExchangeDeclareAsync("short-lived", ExchangeType.Fanout);
        await RabbitMq.PublishAsync(channel, "short-lived", "", "no binding any more");

        Assert.Equal(0u, await channel.MessageCountAsync(queue));
        Assert.True(channel.IsOpen);
    }

    [Fact]
    public async Task The_default_exchange_routes_to_the_queue_named_by_the_routing_key()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("named", false, false, false);

        await RabbitMq.PublishAsync(channel, "", "named", "direct to queue");
        await RabbitMq.PublishAsync(channel, "", "other", "nowhere");

        Assert.Equal(["direct to queue"], await DrainAsync(channel, "named"));
    }

    [Fact]
    public async Task Sender_selected_CC_and_BCC_headers_add_routing_keys_and_BCC_is_hidden()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string to = await BoundQueueAsync(channel, "amq.direct", "to");
        string cc = await BoundQueueAsync(channel, "amq.direct", "cc");
        string bcc = await BoundQueueAsync(channel, "amq.direct", "bcc");

        await RabbitMq.PublishAsync(channel, "amq.direct", "to", "memo", new BasicProperties
        {
            Headers = new Dictionary<string, object?> { ["CC"] = new List<object> { "cc" }, ["BCC"] = new List<object> { "bcc" } },
        });

        foreach (var queue in new[] { to, cc, bcc })
        {
            var got = await channel.BasicGetAsync(queue, autoAck: true);
            Assert.Equal("memo", Encoding.UTF8.GetString(got!.Body.Span));
            Assert.True(got.BasicProperties.Headers!.ContainsKey("CC"));
            Assert.False(got.BasicProperties.Headers.ContainsKey("BCC"));
        }
    }

    private static async Task<string> BoundQueueAsync(IChannel channel, string exchange, string routingKey)
    {
        string queue = await RabbitMq.TempQueueAsync(channel);
        await channel.QueueBindAsync(queue, exchange, routingKey);
        return queue;
    }

    private static async Task<List<string>> DrainAsync(IChannel channel, string queue)
    {
        var bodies = new List<string>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } got) bodies.Add(Encoding.UTF8.GetString(got.Body.Span));
        return bodies;
    }
}
