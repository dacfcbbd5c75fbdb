using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;
using Tidings.Core.Security;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>Opening, tuning and closing connections with RabbitMQ.Client 7.</summary>
public sealed class RabbitMqClientConnectionTests
{
    private static readonly string[] RabbitMqCapabilities =
    [
        "publisher_confirms", "exchange_exchange_bindings", "basic.nack", "consumer_cancel_notify",
        "connection.blocked", "consumer_priorities", "authentication_failure_close", "per_consumer_qos", "direct_reply_to",
    ];

    [Fact]
    public async Task Server_properties_name_the_product_and_advertise_the_nine_RabbitMQ_capabilities()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);

        var properties = connection.ServerProperties!;
        Assert.Equal("Tidings", RabbitMq.Text(properties["product"]));
        Assert.False(string.IsNullOrEmpty(RabbitMq.Text(properties["version"])));
        var capabilities = Assert.IsType<Dictionary<string, object?>>(properties["capabilities"]);
        foreach (var capability in RabbitMqCapabilities)
            Assert.True(capabilities.TryGetValue(capability, out var value) && value is true, $"capability {capability}");
    }

    [Fact]
    public async Task Plain_login_with_a_created_user_opens_a_usable_connection()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        server.Broker.AddUser("alice", "s3cret").SetPermissions("/", VhostPermissions.All);
        var factory = RabbitMq.Factory(server, "alice", "s3cret");
        await using var connection = await factory.CreateConnectionAsync().WaitAsync(RabbitMq.Timeout);
        await using var channel = await connection.CreateChannelAsync();

        string queue = await RabbitMq.TempQueueAsync(channel);
        await RabbitMq.PublishAsync(channel, "", queue, "hello");
        var got = await channel.BasicGetAsync(queue, autoAck: true);

        Assert.Equal("hello", Encoding.UTF8.GetString(got!.Body.Span));
        Assert.Equal("alice", Assert.Single(server.Broker.Connections).User.Name);
    }

    [Fact]
    public async Task Wrong_password_is_reported_as_an_authentication_failure_with_access_refused()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var factory = RabbitMq.Factory(server, "guest", "not-the-password");

        var e = await Assert.ThrowsAnyAsync<Exception>(() => factory.CreateConnectionAsync().WaitAsync(RabbitMq.Timeout));

        var failure = FindInChain<AuthenticationFailureException>(e);
        Assert.NotNull(failure);
        Assert.Contains("ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN", failure.Message);
        Assert.Empty(server.Broker.Connections);
    }

    [Fact]
    public async Task Unknown_user_is_refused_like_a_wrong_password()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var factory = RabbitMq.Factory(server, "nobody", "guest");

        var e = await Assert.ThrowsAnyAsync<Exception>(() => factory.CreateConnectionAsync().WaitAsync(RabbitMq.Timeout));

        Assert.NotNull(FindInChain<AuthenticationFailureException>(e));
    }

    [Fact]
    public async Task Unknown_virtual_host_is_refused_with_530_not_allowed()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var factory = RabbitMq.Factory(server, virtualHost: "no-such-vhost");

        var reason = await ConnectExpectingRefusalAsync(factory);

        Assert.Equal(530, reason.ReplyCode);
        Assert.Equal("NOT_ALLOWED - access to vhost 'no-such-vhost' refused for user 'guest'", reason.ReplyText);
        Assert.Equal(10, reason.ClassId);
        Assert.Equal(40, reason.MethodId);
        Assert.Empty(server.Broker.Connections);
    }

    [Fact]
    public async Task User_without_permissions_on_the_virtual_host_is_refused_with_530()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        server.Broker.AddVirtualHost("private");
        server.Broker.AddUser("bob", "pw").SetPermissions("/", VhostPermissions.All);
        var factory = RabbitMq.Factory(server, "bob", "pw", "private");

        var reason = await ConnectExpectingRefusalAsync(factory);

        Assert.Equal(530, reason.ReplyCode);
        Assert.Equal("NOT_ALLOWED - access to vhost 'private' refused for user 'bob'", reason.ReplyText);
    }

    [Fact]
    public async Task A_user_reaches_only_the_virtual_hosts_it_has_permissions_on()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        server.Broker.AddVirtualHost("tenant-a");
        server.Broker.AddUser("carol", "pw").SetPermissions("tenant-a", VhostPermissions.All);
        await using var connection = await RabbitMq.Factory(server, "carol", "pw", "tenant-a").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();

        await channel.QueueDeclareAsync("only-in-a", durable: false, exclusive: false, autoDelete: false);

        Assert.NotNull(server.Broker.FindVirtualHost("tenant-a")!.FindQueue("only-in-a"));
        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("only-in-a"));
    }

    [Fact]
    public async Task Client_requested_heartbeat_below_the_server_offer_is_used()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync(o => o.HeartbeatSeconds = 60);
        await using var connection = await RabbitMq.ConnectAsync(server, f => f.RequestedHeartbeat = TimeSpan.FromSeconds(5));

        Assert.Equal(TimeSpan.FromSeconds(5), connection.Heartbeat);
    }

    [Fact]
    public async Task Server_heartbeat_offer_below_the_client_request_is_used()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync(o => o.HeartbeatSeconds = 3);
        await using var connection = await RabbitMq.ConnectAsync(server, f => f.RequestedHeartbeat = TimeSpan.FromSeconds(30));

        Assert.Equal(TimeSpan.FromSeconds(3), connection.Heartbeat);
    }

    [Fact]
    public async Task A_connection_with_one_second_heartbeats_stays_open_while_idle()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync(o => o.HeartbeatSeconds = 1);
        await using var connection = await RabbitMq.ConnectAsync(server, f => f.RequestedHeartbeat = TimeSpan.FromSeconds(1));
        await using var channel = await connection.CreateChannelAsync();

        // Three missed-heartbeat windows of silence on the application level.
        await Task.Delay(TimeSpan.FromSeconds(3.5));

        Assert.True(connection.IsOpen);
        string queue = await RabbitMq.TempQueueAsync(channel);
        Assert.StartsWith("amq.gen-", queue);
    }

    [Fact]
    public async Task Frame_max_and_channel_max_take_the_server_offer_when_the_client_asks_for_no_limit()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync(o =>
        {
            o.FrameMax = 65536;
            o.ChannelMax = 16;
        });
        await using var connection = await RabbitMq.ConnectAsync(server, f =>
        {
            f.RequestedFrameMax = 0;
            f.RequestedChannelMax = 0;
        });

        Assert.Equal(65536u, connection.FrameMax);
        Assert.Equal((ushort)16, connection.ChannelMax);
    }

    [Fact]
    public async Task Frame_max_and_channel_max_take_the_client_request_when_it_is_lower()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server, f =>
        {
            f.RequestedFrameMax = 8192;
            f.RequestedChannelMax = 5;
        });
        await using var channel = await connection.CreateChannelAsync();

        Assert.Equal(8192u, connection.FrameMax);
        Assert.Equal((ushort)5, connection.ChannelMax);
        // Bodies larger than the negotiated frame_max still flow in both directions.
        string queue = await RabbitMq.TempQueueAsync(channel);
        var body = new byte[50_000];
        Random.Shared.NextBytes(body);
        await channel.BasicPublishAsync("", queue, body);
        var got = await channel.BasicGetAsync(queue, autoAck: true);
        Assert.Equal(body, got!.Body.ToArray());
    }

    [Fact]
    public async Task One_hundred_channels_on_one_connection_work_independently()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        var channels = new List<IChannel>();
        for (int i = 0; i < 100; i++) channels.Add(await connection.CreateChannelAsync());

        await Task.WhenAll(channels.Select(async (channel, i) =>
        {
            await channel.QueueDeclareAsync($"ch-{i}", durable: false, exclusive: false, autoDelete: false);
            await RabbitMq.PublishAsync(channel, "", $"ch-{i}", $"from {i}");
        }));
        var bodies = await Task.WhenAll(channels.Select(async (channel, i) =>
            Encoding.UTF8.GetString((await channel.BasicGetAsync($"ch-{i}", autoAck: true))!.Body.Span)));

        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"from {i}"), bodies);
        Assert.Equal(100, Assert.Single(server.Broker.Connections).Sessions.Count);
        foreach (var channel in channels) await channel.DisposeAsync();
    }

    [Fact]
    public async Task Closing_a_channel_leaves_the_connection_and_its_other_channels_working()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var first = await connection.CreateChannelAsync();
        await using var second = await connection.CreateChannelAsync();

        await first.CloseAsync();
        string queue = await RabbitMq.TempQueueAsync(second);
        await using var third = await connection.CreateChannelAsync();
        await RabbitMq.PublishAsync(third, "", queue, "still here");

        Assert.True(first.IsClosed);
        Assert.Equal(200, first.CloseReason!.ReplyCode);
        Assert.Equal("still here", Encoding.UTF8.GetString((await second.BasicGetAsync(queue, true))!.Body.Span));
    }

    [Fact]
    public async Task Graceful_close_is_acknowledged_and_releases_the_connection_and_its_exclusive_queues()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var connection = await RabbitMq.ConnectAsync(server);
        var channel = await connection.CreateChannelAsync();
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: false);

        await connection.CloseAsync().WaitAsync(RabbitMq.Timeout);

        Assert.False(connection.IsOpen);
        Assert.Equal(200, connection.CloseReason!.ReplyCode);
        Assert.Equal(ShutdownInitiator.Application, connection.CloseReason.Initiator);
        await Eventually.TrueAsync(() => server.Broker.Connections.Count == 0, "the broker still lists the connection");
        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue(queue.QueueName));
        await connection.DisposeAsync();
    }

    [Fact]
    public async Task Client_provided_connection_name_and_properties_reach_the_broker()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server, f => f.ClientProvidedName = "billing-worker-7");
        await Eventually.TrueAsync(() => server.Broker.Connections.Count == 1, "the broker does not list the connection");

        var properties = Assert.Single(server.Broker.Connections).ClientProperties!;
        Assert.Equal("billing-worker-7", RabbitMq.Text(properties["connection_name"]));
        Assert.Equal("RabbitMQ", RabbitMq.Text(properties["product"]));
        // The broker keeps them encoded and decodes on every read: each way of reading agrees.
        var capabilities = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(properties["capabilities"]);
        Assert.Equal(true, capabilities["publisher_confirms"]);
        Assert.Equal(properties.Count, properties.Keys.Count());
        Assert.True(properties.ContainsKey("platform"));
        Assert.False(properties.TryGetValue("no such key", out _));
        Assert.Equal("billing-worker-7", RabbitMq.Text(properties.Single(p => p.Key == "connection_name").Value));
    }

    [Fact]
    public async Task Broker_shutdown_tells_the_client_with_connection_forced_320()
    {
        var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        var closed = new TaskCompletionSource<ShutdownEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, e) => { closed.TrySetResult(e); return Task.CompletedTask; };

        await server.DisposeAsync();

        var reason = await closed.Task.WaitAsync(RabbitMq.Timeout);
        Assert.Equal(320, reason.ReplyCode);
        Assert.Equal(ShutdownInitiator.Peer, reason.Initiator);
        Assert.Contains("shutdown", reason.ReplyText);
    }

    [Fact]
    public async Task Update_secret_with_the_current_password_keeps_the_connection_open()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        // RabbitMQ.Client 7 does not wait for open-ok; a channel round trip makes sure it has read it.
        await using var channel = await connection.CreateChannelAsync();

        await connection.UpdateSecretAsync("guest", "token refresh").WaitAsync(RabbitMq.Timeout);

        Assert.True(connection.IsOpen);
        Assert.StartsWith("amq.gen-", await RabbitMq.TempQueueAsync(channel));
    }

    [Fact]
    public async Task Update_secret_with_any_secret_is_accepted_as_RabbitMQs_internal_backend_accepts_it()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        // RabbitMQ's internal backend answers update-secret-ok whatever the secret (it only matters to
        // token backends); RabbitMQ.Client's own suite expects that, and the password is not changed.
        await connection.UpdateSecretAsync("not-the-password", "token refresh").WaitAsync(RabbitMq.Timeout);

        Assert.True(connection.IsOpen);
        Assert.StartsWith("amq.gen-", await RabbitMq.TempQueueAsync(channel));
        await using var second = await RabbitMq.ConnectAsync(server);
        Assert.True(second.IsOpen);
    }

    /// <summary>
    /// RabbitMQ.Client 7 sends connection.open without waiting for open-ok, so a refused open shows
    /// either as a failed CreateConnectionAsync or as the new connection closing at once. Both are
    /// accepted; the server's connection.close reason is returned.
    /// </summary>
    private static async Task<ShutdownEventArgs> ConnectExpectingRefusalAsync(ConnectionFactory factory)
    {
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync().WaitAsync(RabbitMq.Timeout);
        }
        catch (Exception e) when (FindInChain<OperationInterruptedException>(e)?.ShutdownReason is { } reason)
        {
            return reason;
        }
        await using (connection)
        {
            await Eventually.TrueAsync(() => !connection.IsOpen, "the refused connection stayed open");
            Assert.Equal(ShutdownInitiator.Peer, connection.CloseReason!.Initiator);
            return connection.CloseReason;
        }
    }

    private static T? FindInChain<T>(Exception? e) where T : Exception
    {
        for (; e is not null; e = e.InnerException)
            if (e is T match) return match;
        return null;
    }
}
