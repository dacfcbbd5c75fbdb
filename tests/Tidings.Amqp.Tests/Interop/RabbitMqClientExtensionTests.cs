using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Wire = Tidings.Amqp.Protocol;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>RabbitMQ's protocol extensions beyond confirms: direct reply-to and connection.blocked.</summary>
public sealed class RabbitMqClientExtensionTests
{
    private const string ReplyTo = "amq.rabbitmq.reply-to";

    [Fact]
    public async Task Direct_reply_to_round_trips_an_rpc_without_a_reply_queue()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var responderConnection = await RabbitMq.ConnectAsync(server);
        await using var responder = await responderConnection.CreateChannelAsync();
        await responder.QueueDeclareAsync("rpc", false, false, false);
        string? seenReplyTo = null;
        var service = new AsyncEventingBasicConsumer(responder);
        service.ReceivedAsync += async (_, ea) =>
        {
            seenReplyTo = ea.BasicProperties.ReplyTo;
            string request = Encoding.UTF8.GetString(ea.Body.Span);
            await responder.BasicPublishAsync("", ea.BasicProperties.ReplyTo!, false,
                new BasicProperties { CorrelationId = ea.BasicProperties.CorrelationId }, Encoding.UTF8.GetBytes(request.ToUpperInvariant()));
        };
        await responder.BasicConsumeAsync("rpc", autoAck: true, service);

        await using var requesterConnection = await RabbitMq.ConnectAsync(server);
        await using var requester = await requesterConnection.CreateChannelAsync();
        var replies = new CollectingConsumer(requester);
        await requester.BasicConsumeAsync(ReplyTo, autoAck: true, replies);
        await RabbitMq.PublishAsync(requester, "", "rpc", "ping", new BasicProperties { ReplyTo = ReplyTo, CorrelationId = "c-1" });

        var reply = (await replies.WaitForAsync(1))[0];
        Assert.Equal("PING", reply.Text);
        Assert.Equal("c-1", reply.Properties.CorrelationId);
        Assert.StartsWith(ReplyTo + ".", seenReplyTo);
        Assert.DoesNotContain(server.Broker.DefaultVirtualHost.Queues, q => q.Name.StartsWith("amq.rabbitmq", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Many_concurrent_direct_reply_to_requests_each_get_their_own_reply()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var responder = await connection.CreateChannelAsync();
        await responder.QueueDeclareAsync("echo", false, false, false);
        var service = new AsyncEventingBasicConsumer(responder);
        service.ReceivedAsync += async (_, ea) =>
            await responder.BasicPublishAsync("", ea.BasicProperties.ReplyTo!, false,
                new BasicProperties { CorrelationId = ea.BasicProperties.CorrelationId }, ea.Body.ToArray());
        await responder.BasicConsumeAsync("echo", autoAck: true, service);

        var requesters = new List<(IChannel Channel, CollectingConsumer Replies)>();
        for (int r = 0; r < 5; r++)
        {
            var channel = await connection.CreateChannelAsync();
            var replies = new CollectingConsumer(channel);
            await channel.BasicConsumeAsync(ReplyTo, autoAck: true, replies);
            requesters.Add((channel, replies));
        }
        for (int i = 0; i < 20; i++)
            foreach (var (channel, _) in requesters)
                await RabbitMq.PublishAsync(channel, "", "echo", $"{channel.ChannelNumber}:{i}",
                    new BasicProperties { ReplyTo = ReplyTo, CorrelationId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        foreach (var (channel, replies) in requesters)
        {
            var got = await replies.WaitForAsync(20);
            Assert.All(got, m => Assert.StartsWith($"{channel.ChannelNumber}:", m.Text));
            await channel.DisposeAsync();
        }
    }

    [Fact]
    public async Task Publishing_with_direct_reply_to_but_no_reply_consumer_closes_the_channel_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var watcher = new ChannelCloseWatcher(channel);

        await RabbitMq.PublishAsync(channel, "", queue, "orphan", new BasicProperties { ReplyTo = ReplyTo });
        var reason = await watcher.Closed;

        Assert.Equal(406, reason.ReplyCode);
        Assert.Equal("PRECONDITION_FAILED - fast reply consumer does not exist", reason.ReplyText);
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Consuming_direct_reply_to_with_acks_fails_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync(ReplyTo, autoAck: false, new CollectingConsumer(channel)), 406,
            "PRECONDITION_FAILED - reply consumer cannot acknowledge");
    }

    [Fact]
    public async Task A_second_direct_reply_to_consumer_on_a_channel_fails_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicConsumeAsync(ReplyTo, autoAck: true, new CollectingConsumer(channel));

        await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync(ReplyTo, autoAck: true, new CollectingConsumer(channel)), 406,
            "PRECONDITION_FAILED - reply consumer already set");
    }

    [Fact]
    public async Task A_reply_address_is_live_for_passive_declare_only_while_its_requester_consumes()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var responder = await connection.CreateChannelAsync();
        string inbox = await RabbitMq.TempQueueAsync(responder);
        var requester = await connection.CreateChannelAsync();
        string tag = await requester.BasicConsumeAsync(ReplyTo, autoAck: true, new CollectingConsumer(requester));
        await RabbitMq.PublishAsync(requester, "", inbox, "request", new BasicProperties { ReplyTo = ReplyTo });
        var request = await responder.BasicGetAsync(inbox, autoAck: true);
        string address = request!.BasicProperties.ReplyTo!;

        var live = await responder.QueueDeclarePassiveAsync(address);
        Assert.Equal((0u, 1u), (live.MessageCount, live.ConsumerCount));

        await requester.BasicCancelAsync(tag);
        await requester.DisposeAsync();
        await RabbitMq.AssertRefusedAsync(() => responder.QueueDeclarePassiveAsync(address), 404);
    }

    [Fact]
    public async Task A_reply_to_a_departed_requester_is_dropped_without_error()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var responder = await RabbitMq.ConfirmChannelAsync(connection);
        string inbox = await RabbitMq.TempQueueAsync(responder);
        var requester = await connection.CreateChannelAsync();
        await requester.BasicConsumeAsync(ReplyTo, autoAck: true, new CollectingConsumer(requester));
        await RabbitMq.PublishAsync(requester, "", inbox, "request", new BasicProperties { ReplyTo = ReplyTo });
        string address = (await responder.BasicGetAsync(inbox, autoAck: true))!.BasicProperties.ReplyTo!;
        await requester.CloseAsync();
        await requester.DisposeAsync();

        await RabbitMq.PublishAsync(responder, "", address, "too late");

        Assert.True(responder.IsOpen);
    }

    [Fact]
    public async Task A_memory_alarm_blocks_a_publishing_connection_and_clearing_it_unblocks()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var blocked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var unblocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionBlockedAsync += (_, ea) => { blocked.TrySetResult(ea.Reason); return Task.CompletedTask; };
        connection.ConnectionUnblockedAsync += (_, _) => { unblocked.TrySetResult(); return Task.CompletedTask; };
        await RabbitMq.PublishAsync(channel, "", queue, "before the alarm");

        server.Broker.Alarms.Set("memory", true);
        // RabbitMQ tells a publisher it is blocked at the latest when it next publishes.
        await RabbitMq.PublishAsync(channel, "", queue, "during the alarm");
        Assert.Equal("low on memory", await blocked.Task.WaitAsync(RabbitMq.Timeout));
        Assert.False(unblocked.Task.IsCompleted);

        server.Broker.Alarms.Set("memory", false);
        await unblocked.Task.WaitAsync(RabbitMq.Timeout);

        await RabbitMq.PublishAsync(channel, "", queue, "after the alarm");
        await Eventually.TrueAsync(async () => await channel.MessageCountAsync(queue) == 3, "all three publishes should arrive");
    }

    [Fact]
    public async Task While_blocked_a_publisher_s_messages_wait_until_the_alarm_clears()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var publisherConnection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await publisherConnection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(publisher);
        await RabbitMq.PublishAsync(publisher, "", queue, "warm-up");
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        publisherConnection.ConnectionBlockedAsync += (_, _) => { blocked.TrySetResult(); return Task.CompletedTask; };
        await using var observerConnection = await RabbitMq.ConnectAsync(server);
        await using var observer = await observerConnection.CreateChannelAsync();

        server.Broker.Alarms.Set("disk", true);
        // As in RabbitMQ, the publish that finds the alarm on is still taken; reading stops after it.
        await RabbitMq.PublishAsync(publisher, "", queue, "first during alarm");
        await blocked.Task.WaitAsync(RabbitMq.Timeout);
        await Eventually.TrueAsync(async () => await observer.MessageCountAsync(queue) == 2, "the first publish should be taken");
        for (int i = 0; i < 5; i++) await RabbitMq.PublishAsync(publisher, "", queue, $"held {i}");
        await Task.Delay(300);
        uint duringAlarm = await observer.MessageCountAsync(queue);
        server.Broker.Alarms.Set("disk", false);

        Assert.Equal(2u, duringAlarm);
        await Eventually.TrueAsync(async () => await observer.MessageCountAsync(queue) == 7, "held publishes should arrive");
    }

    [Fact]
    public async Task Only_clients_that_advertise_the_capability_are_sent_connection_blocked()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var aware = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await aware.HandshakeAsync(capabilities: new Dictionary<string, object?> { ["connection.blocked"] = true });
        await aware.OpenChannelAsync(1);
        await using var unaware = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await unaware.HandshakeAsync(capabilities: new Dictionary<string, object?>());
        await unaware.OpenChannelAsync(1);
        foreach (var raw in new[] { aware, unaware })
            await raw.PublishAsync(1, "amq.fanout", "", "x"u8.ToArray());

        server.Broker.Alarms.Set("memory", true);
        foreach (var raw in new[] { aware, unaware })
            await raw.PublishAsync(1, "amq.fanout", "", "y"u8.ToArray());
        var blocked = await aware.ExpectMethodAsync<Wire.ConnectionBlocked>(0);
        server.Broker.Alarms.Set("memory", false);
        await aware.ExpectMethodAsync<Wire.ConnectionUnblocked>(0);

        Assert.Equal("low on memory", blocked.Reason);
        // The unaware client hears nothing but still works once the alarm is gone.
        await unaware.SendMethodAsync(1, new Wire.BasicQos { PrefetchCount = 1 });
        await unaware.ExpectMethodAsync<Wire.BasicQosOk>(1);
    }

    [Fact]
    public async Task Only_clients_that_advertise_consumer_cancel_notify_are_sent_basic_cancel()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync(capabilities: new Dictionary<string, object?>());
        await raw.OpenChannelAsync(1);
        await raw.SendMethodAsync(1, new Wire.QueueDeclare { Queue = "doomed" });
        await raw.ExpectMethodAsync<Wire.QueueDeclareOk>(1);
        await raw.SendMethodAsync(1, new Wire.BasicConsume { Queue = "doomed", ConsumerTag = "c" });
        await raw.ExpectMethodAsync<Wire.BasicConsumeOk>(1);

        server.Broker.DefaultVirtualHost.DeleteQueue("doomed");
        await raw.SendMethodAsync(1, new Wire.BasicQos { PrefetchCount = 1 });

        // The next frame is the qos-ok: no basic.cancel was sent in between.
        await raw.ExpectMethodAsync<Wire.BasicQosOk>(1);
    }

    [Fact]
    public async Task Consumers_keep_receiving_while_an_alarm_blocks_publishers()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        for (int i = 0; i < 5; i++) server.Broker.DefaultVirtualHost.Publish("", queue, Tidings.Core.Messages.MessageProperties.Empty, new byte[] { 1 });

        server.Broker.Alarms.Set("memory", true);
        try
        {
            await using var consumerConnection = await RabbitMq.ConnectAsync(server);
            await using var consumerChannel = await consumerConnection.CreateChannelAsync();
            var consumer = new CollectingConsumer(consumerChannel, ackEach: true);
            await consumerChannel.BasicConsumeAsync(queue, autoAck: false, consumer);

            await consumer.WaitForAsync(5);
        }
        finally
        {
            server.Broker.Alarms.Set("memory", false);
        }
    }
}
