using System.Net;
using System.Text;
using RabbitMQ.Client;

namespace Tidings.Http.Tests.Messaging;

public sealed class EventStreamTests
{
    [Fact]
    public async Task Sse_consumer_with_manual_acks_receives_every_message_once_in_order()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        await using var sse = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/work/events?prefetch=10&ack=manual", cts.Token);
        Assert.Equal("manual", sse.Ready.GetProperty("ack").GetString());
        Assert.Equal(10, sse.Ready.GetProperty("prefetch").GetInt32());

        Rest.PublishNumbered(server, "work", 200);
        for (int i = 0; i < 200; i++)
        {
            var message = await sse.ReadMessageAsync(cts.Token);
            Assert.Equal($"m{i}", Rest.Payload(message));
            Assert.False(Rest.Redelivered(message));
            Assert.Equal("string", message.GetProperty("payload_encoding").GetString());
            Assert.Equal("work", message.GetProperty("routing_key").GetString());
            using var ack = await Rest.PostAsync(client, $"/api/rest/streams/{sse.StreamId}/ack", new { delivery_tag = Rest.Tag(message) });
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }

        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
        // Nothing more comes: every message was delivered exactly once.
        var next = sse.ReadEventAsync(cts.Token);
        Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(200, cts.Token)));
    }

    [Fact]
    public async Task Sse_consumer_with_auto_ack_receives_every_message_and_leaves_none_unacked()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        await using var sse = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/work/events?prefetch=5&ack=auto", cts.Token);
        Assert.False(sse.Ready.TryGetProperty("ack_url", out _));

        Rest.PublishNumbered(server, "work", 200);
        for (int i = 0; i < 200; i++)
            Assert.Equal($"m{i}", Rest.Payload(await sse.ReadMessageAsync(cts.Token)));

        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        await Eventually.TrueAsync(() => queue.UnackedCount == 0, "the written messages are acked");
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public async Task Sse_consumer_receives_large_messages_intact()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        await using var sse = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/work/events?prefetch=50&ack=auto", cts.Token);

        for (int i = 0; i < 50; i++)
            server.Broker.DefaultVirtualHost.Publish("", "work", Tidings.Core.Messages.MessageProperties.Empty,
                Encoding.UTF8.GetBytes($"{i}:" + new string('x', 20_000) + "\n\"end\""));
        for (int i = 0; i < 50; i++)
            Assert.Equal($"{i}:" + new string('x', 20_000) + "\n\"end\"", Rest.Payload(await sse.ReadMessageAsync(cts.Token)));
    }

    [Fact]
    public async Task Sse_disconnect_requeues_unacked_messages_for_the_next_consumer_as_redelivered()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        Rest.PublishNumbered(server, "work", 5);

        await using (var first = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/work/events?prefetch=5", cts.Token))
        {
            var m0 = await first.ReadMessageAsync(cts.Token);
            for (int i = 1; i < 5; i++) Assert.Equal($"m{i}", Rest.Payload(await first.ReadMessageAsync(cts.Token)));
            using var ack = await Rest.PostAsync(client, $"/api/rest/streams/{first.StreamId}/ack", new { delivery_tag = Rest.Tag(m0) });
            Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        }
        await Eventually.TrueAsync(() => queue.ConsumerCount == 0 && queue.MessageCount == 4, "the stream's session closed");
        Assert.Equal(0, queue.UnackedCount);
        Rest.PublishNumbered(server, "work", 5, start: 5);

        await using var second = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/work/events?prefetch=20&ack=auto", cts.Token);
        for (int i = 1; i < 10; i++)
        {
            var message = await second.ReadMessageAsync(cts.Token);
            Assert.Equal($"m{i}", Rest.Payload(message));
            Assert.Equal(i < 5, Rest.Redelivered(message));
        }
    }

    [Fact]
    public async Task Prefetch_bounds_the_messages_in_flight_to_an_sse_client()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        Rest.PublishNumbered(server, "work", 20);

        await using var sse = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/work/events?prefetch=3", cts.Token);
        var seen = new List<ulong>();
        for (int i = 0; i < 3; i++) seen.Add(Rest.Tag(await sse.ReadMessageAsync(cts.Token)));
        var fourth = sse.ReadEventAsync(cts.Token);
        Assert.NotSame(fourth, await Task.WhenAny(fourth, Task.Delay(300, cts.Token)));
        Assert.Equal(3, queue.UnackedCount);
        Assert.Equal(17, queue.MessageCount);

        // Acking one lets exactly one more through.
        using var ack = await Rest.PostAsync(client, $"/api/rest/streams/{sse.StreamId}/ack", new { delivery_tag = seen[0] });
        // Two still unacked, plus the one the queue delivered in its place.
        Assert.Equal(3, (await Rest.JsonAsync(ack)).GetProperty("unacked").GetInt32());
        Assert.Equal("m3", (await fourth).Json.GetProperty("payload").GetString());
        var fifth = sse.ReadEventAsync(cts.Token);
        Assert.NotSame(fifth, await Task.WhenAny(fifth, Task.Delay(300, cts.Token)));
        Assert.Equal(3, queue.UnackedCount);

        // multiple=true acks everything up to the tag.
        using var ackAll = await Rest.PostAsync(client, $"/api/rest/streams/{sse.StreamId}/ack", new { delivery_tag = seen[2], multiple = true });
        Assert.Equal(HttpStatusCode.OK, ackAll.StatusCode);
        Assert.Equal("m4", (await fifth).Json.GetProperty("payload").GetString());
        Assert.Equal("m5", Rest.Payload(await sse.ReadMessageAsync(cts.Token)));
    }

    [Fact]
    public async Task Nack_with_requeue_redelivers_and_without_requeue_drops()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        Rest.PublishNumbered(server, "work", 1);
        await using var sse = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/work/events?prefetch=1", cts.Token);

        var first = await sse.ReadMessageAsync(cts.Token);
        using var requeue = await Rest.PostAsync(client, $"/api/rest/streams/{sse.StreamId}/nack", new { delivery_tag = Rest.Tag(first), requeue = true });
        Assert.Equal(HttpStatusCode.OK, requeue.StatusCode);
        var again = await sse.ReadMessageAsync(cts.Token);
        Assert.Equal("m0", Rest.Payload(again));
        Assert.True(Rest.Redelivered(again));
        Assert.True(Rest.Tag(again) > Rest.Tag(first));

        using var drop = await Rest.PostAsync(client, $"/api/rest/streams/{sse.StreamId}/nack", new { delivery_tag = Rest.Tag(again), requeue = false });
        Assert.Equal(0, (await Rest.JsonAsync(drop)).GetProperty("unacked").GetInt32());
        Assert.Equal(0, queue.MessageCount + queue.UnackedCount);
    }

    [Fact]
    public async Task An_amqp_publish_reaches_an_sse_client_with_its_properties()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("orders", durable: false, exclusive: false, autoDelete: false);
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        await using var sse = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/orders/events?ack=auto", cts.Token);

        var properties = new BasicProperties
        {
            ContentType = "text/plain",
            CorrelationId = "c-1",
            DeliveryMode = DeliveryModes.Persistent,
            Headers = new Dictionary<string, object?> { ["x-count"] = 3, ["x-name"] = "n" },
        };
        await channel.BasicPublishAsync("", "orders", mandatory: false, properties, Encoding.UTF8.GetBytes("héllo"));
        await channel.BasicPublishAsync("", "orders", mandatory: false, new BasicProperties(), new byte[] { 0xff, 0x00, 0x80 });

        var text = await sse.ReadMessageAsync(cts.Token);
        Assert.Equal("héllo", Rest.Payload(text));
        Assert.Equal("", text.GetProperty("exchange").GetString());
        var p = text.GetProperty("properties");
        Assert.Equal("text/plain", p.GetProperty("content_type").GetString());
        Assert.Equal("c-1", p.GetProperty("correlation_id").GetString());
        Assert.Equal(2, p.GetProperty("delivery_mode").GetInt32());
        Assert.Equal(3, p.GetProperty("headers").GetProperty("x-count").GetInt32());
        Assert.Equal("n", p.GetProperty("headers").GetProperty("x-name").GetString());

        var binary = await sse.ReadMessageAsync(cts.Token);
        Assert.Equal("base64", binary.GetProperty("payload_encoding").GetString());
        Assert.Equal(new byte[] { 0xff, 0x00, 0x80 }, binary.GetProperty("payload").GetBytesFromBase64());
    }

    [Fact]
    public async Task Deleting_the_queue_ends_the_stream_with_a_closed_event()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("short-lived");
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        await using var sse = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/short-lived/events", cts.Token);

        server.Broker.DefaultVirtualHost.DeleteQueue("short-lived");

        var closed = await sse.ReadEventAsync(cts.Token);
        Assert.Equal("closed", closed.Type);
        Assert.Contains("short-lived", closed.Json.GetProperty("reason").GetString());
        await Assert.ThrowsAsync<EndOfStreamException>(() => sse.ReadEventAsync(cts.Token));
    }

    [Fact]
    public async Task Streams_work_in_other_vhosts_and_with_names_that_need_escaping()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var vhost = server.Broker.AddVirtualHost("tenant/a");
        server.Broker.FindUser("guest")!.SetPermissions("tenant/a", Tidings.Core.Security.VhostPermissions.All);
        vhost.DeclareQueue("jobs/high priority");
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        await using var sse = await SseClient.OpenAsync(client, "/api/rest/vhosts/tenant%2Fa/queues/jobs%2Fhigh%20priority/events", cts.Token);
        Assert.Equal("tenant/a", sse.Ready.GetProperty("vhost").GetString());
        Assert.Equal("jobs/high priority", sse.Ready.GetProperty("queue").GetString());

        using var published = await Rest.PublishAsync(client, "amq.default",
            new { routing_key = "jobs/high priority", payload = "x" }, vhost: "tenant%2Fa");
        Assert.True((await Rest.JsonAsync(published)).GetProperty("routed").GetBoolean());
        Assert.Equal("x", Rest.Payload(await sse.ReadMessageAsync(cts.Token)));
    }
}
