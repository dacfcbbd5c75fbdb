using System.Net;
using System.Net.WebSockets;
using Tidings.Http.Messaging;

namespace Tidings.Http.Tests.Messaging;

public sealed class WebSocketTests
{
    [Fact]
    public async Task WebSocket_consumer_with_manual_acks_receives_every_message_once_in_order()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var cts = new CancellationTokenSource(Rest.Timeout);
        using var socket = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws?prefetch=10", cts.Token);

        Rest.PublishNumbered(server, "work", 200);
        for (int i = 0; i < 200; i++)
        {
            var message = await Rest.ReceiveMessageAsync(socket, cts.Token);
            Assert.Equal($"m{i}", Rest.Payload(message));
            Assert.False(Rest.Redelivered(message));
            await Rest.SendAsync(socket, $$"""{"ack":{{Rest.Tag(message)}}}""", cts.Token);
        }
        await Eventually.TrueAsync(() => queue.UnackedCount == 0, "the last ack is applied");
        Assert.Equal(0, queue.MessageCount);

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", cts.Token);
        Assert.Equal(WebSocketState.Closed, socket.State);
        await Eventually.TrueAsync(() => queue.ConsumerCount == 0, "the consumer is gone");
    }

    [Fact]
    public async Task WebSocket_consumer_with_auto_ack_receives_every_message()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var cts = new CancellationTokenSource(Rest.Timeout);
        using var socket = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws?prefetch=4&ack=auto", cts.Token);

        Rest.PublishNumbered(server, "work", 200);
        for (int i = 0; i < 200; i++) Assert.Equal($"m{i}", Rest.Payload(await Rest.ReceiveMessageAsync(socket, cts.Token)));
        await Eventually.TrueAsync(() => queue.UnackedCount == 0, "the sent messages are acked");
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public async Task WebSocket_disconnect_requeues_unacked_messages_as_redelivered()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var cts = new CancellationTokenSource(Rest.Timeout);
        Rest.PublishNumbered(server, "work", 6);

        using (var first = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws?prefetch=3", cts.Token))
        {
            for (int i = 0; i < 3; i++) Assert.Equal($"m{i}", Rest.Payload(await Rest.ReceiveMessageAsync(first, cts.Token)));
            first.Abort(); // no close handshake: the tab crashed
        }
        await Eventually.TrueAsync(() => queue.ConsumerCount == 0 && queue.MessageCount == 6, "the socket's session closed");

        using var second = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws?prefetch=10&ack=auto", cts.Token);
        for (int i = 0; i < 6; i++)
        {
            var message = await Rest.ReceiveMessageAsync(second, cts.Token);
            Assert.Equal($"m{i}", Rest.Payload(message));
            Assert.Equal(i < 3, Rest.Redelivered(message));
        }
    }

    [Fact]
    public async Task Prefetch_bounds_the_messages_in_flight_to_a_websocket_client()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var cts = new CancellationTokenSource(Rest.Timeout);
        Rest.PublishNumbered(server, "work", 10);
        using var socket = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws?prefetch=2", cts.Token);

        var a = await Rest.ReceiveMessageAsync(socket, cts.Token);
        var b = await Rest.ReceiveMessageAsync(socket, cts.Token);
        var third = Rest.ReceiveMessageAsync(socket, cts.Token);
        Assert.NotSame(third, await Task.WhenAny(third, Task.Delay(300, cts.Token)));
        Assert.Equal(2, queue.UnackedCount);
        Assert.Equal(8, queue.MessageCount);

        await Rest.SendAsync(socket, $$"""{"ack":{{Rest.Tag(b)}},"multiple":true}""", cts.Token);
        Assert.Equal("m2", Rest.Payload(await third));
        Assert.Equal("m3", Rest.Payload(await Rest.ReceiveMessageAsync(socket, cts.Token)));
        Assert.Equal("m0", Rest.Payload(a));
    }

    [Fact]
    public async Task A_nack_with_requeue_over_the_websocket_redelivers_the_message()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        using var cts = new CancellationTokenSource(Rest.Timeout);
        Rest.PublishNumbered(server, "work", 1);
        using var socket = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws?prefetch=1", cts.Token);

        var first = await Rest.ReceiveMessageAsync(socket, cts.Token);
        await Rest.SendAsync(socket, $$"""{"nack":{{Rest.Tag(first)}},"requeue":true}""", cts.Token);
        var again = await Rest.ReceiveMessageAsync(socket, cts.Token);
        Assert.Equal("m0", Rest.Payload(again));
        Assert.True(Rest.Redelivered(again));
    }

    [Fact]
    public async Task Acking_an_unknown_delivery_tag_closes_the_socket_with_policy_violation_and_requeues()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        using var cts = new CancellationTokenSource(Rest.Timeout);
        Rest.PublishNumbered(server, "work", 1);
        using var socket = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws", cts.Token);
        var message = await Rest.ReceiveMessageAsync(socket, cts.Token);

        // Tag 99 was never sent: acking it (or tags not yet seen) is refused.
        await Rest.SendAsync(socket, """{"ack":99}""", cts.Token);

        Assert.Null(await Rest.ReceiveAsync(socket, cts.Token));
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Contains("unknown delivery tag 99", socket.CloseStatusDescription);
        await Eventually.TrueAsync(() => queue.MessageCount == 1 && queue.UnackedCount == 0, "the message is requeued");
        Assert.Equal(1ul, Rest.Tag(message));
    }

    [Fact]
    public async Task A_malformed_frame_closes_the_socket_with_invalid_payload()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        using var cts = new CancellationTokenSource(Rest.Timeout);
        using var socket = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws", cts.Token);

        await Rest.SendAsync(socket, "{ack: 1", cts.Token);

        Assert.Null(await Rest.ReceiveAsync(socket, cts.Token));
        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, socket.CloseStatus);
        Assert.StartsWith("malformed JSON", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task Deleting_the_queue_closes_the_websocket_with_the_reason()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("short-lived");
        using var cts = new CancellationTokenSource(Rest.Timeout);
        using var socket = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/short-lived/ws", cts.Token);

        server.Broker.DefaultVirtualHost.DeleteQueue("short-lived");

        Assert.Null(await Rest.ReceiveAsync(socket, cts.Token));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Contains("short-lived", socket.CloseStatusDescription);
    }

    [Fact]
    public async Task A_browser_can_pass_credentials_in_the_subprotocol_even_cross_origin()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        using var cts = new CancellationTokenSource(Rest.Timeout);
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", "https://app.example");
        socket.Options.AddSubProtocol("tidings");
        socket.Options.AddSubProtocol("tidings.basic." + RestCaller.EncodeSubProtocolCredentials("guest", "guest"));

        await socket.ConnectAsync(Rest.WebSocketUri(server, "/api/rest/vhosts/%2F/queues/work/ws"), cts.Token);

        Assert.Equal("tidings", socket.SubProtocol);
        Rest.PublishNumbered(server, "work", 1);
        Assert.Equal("m0", Rest.Payload(await Rest.ReceiveMessageAsync(socket, cts.Token)));
    }

    [Fact]
    public async Task WebSocket_handshake_without_credentials_is_refused_with_401()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        using var cts = new CancellationTokenSource(Rest.Timeout);
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;

        await Assert.ThrowsAsync<WebSocketException>(() =>
            socket.ConnectAsync(Rest.WebSocketUri(server, "/api/rest/vhosts/%2F/queues/work/ws"), cts.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
    }

    [Fact]
    public async Task WebSocket_handshake_with_ambient_credentials_from_another_origin_is_refused_with_403()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        using var cts = new CancellationTokenSource(Rest.Timeout);

        var e = await Assert.ThrowsAsync<WebSocketException>(() => Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws", cts.Token,
            configure: o =>
            {
                o.SetRequestHeader("Origin", "https://evil.example");
                o.CollectHttpResponseDetails = true;
            }));
        Assert.Contains("403", e.Message);
    }

    [Fact]
    public async Task WebSocket_on_a_missing_queue_is_refused_with_404_before_the_upgrade()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        // A plain GET (no upgrade) is told what the endpoint expects.
        using var plain = await client.GetAsync("/api/rest/vhosts/%2F/queues/nowhere/ws");
        Assert.Contains("WebSocket", await Rest.AssertErrorAsync(plain, HttpStatusCode.BadRequest));

        using var cts = new CancellationTokenSource(Rest.Timeout);
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", Rest.Basic());
        socket.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() =>
            socket.ConnectAsync(Rest.WebSocketUri(server, "/api/rest/vhosts/%2F/queues/nowhere/ws"), cts.Token));
        Assert.Equal(HttpStatusCode.NotFound, socket.HttpStatusCode);
    }
}
