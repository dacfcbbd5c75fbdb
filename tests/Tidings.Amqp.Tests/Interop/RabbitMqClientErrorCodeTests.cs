using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;
using Tidings.Core.Security;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>
/// Refusals with RabbitMQ's reply codes and reply texts, as RabbitMQ.Client surfaces them: channel
/// errors close only the channel, connection errors the whole connection.
/// </summary>
public sealed class RabbitMqClientErrorCodeTests
{
    [Fact]
    public async Task Passive_declare_of_a_missing_exchange_closes_only_the_channel_with_404()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        var reason = await RabbitMq.AssertRefusedAsync(() => channel.ExchangeDeclarePassiveAsync("nope"), 404,
            "NOT_FOUND - no exchange 'nope' in vhost '/'");

        Assert.Equal((40, 10), (reason.ClassId, reason.MethodId));
        Assert.True(channel.IsClosed);
        Assert.True(connection.IsOpen);
        await using var next = await connection.CreateChannelAsync();
        Assert.StartsWith("amq.gen-", await RabbitMq.TempQueueAsync(next));
    }

    [Fact]
    public async Task Consuming_from_a_missing_queue_fails_with_404()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync("ghost", true, new CollectingConsumer(channel)), 404,
            "NOT_FOUND - no queue 'ghost' in vhost '/'");
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Binding_to_a_missing_exchange_fails_with_404()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);

        await RabbitMq.AssertRefusedAsync(() => channel.QueueBindAsync(queue, "no-such-exchange", "k"), 404,
            "NOT_FOUND - no exchange 'no-such-exchange' in vhost '/'");
    }

    [Fact]
    public async Task Publishing_to_a_missing_exchange_closes_the_channel_with_404_and_the_connection_survives()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        var watcher = new ChannelCloseWatcher(channel);

        await RabbitMq.PublishAsync(channel, "no-such-exchange", "k", "lost");
        var reason = await watcher.Closed;

        Assert.Equal(404, reason.ReplyCode);
        Assert.Equal("NOT_FOUND - no exchange 'no-such-exchange' in vhost '/'", reason.ReplyText);
        Assert.Equal((60, 40), (reason.ClassId, reason.MethodId));
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Redeclaring_a_queue_with_another_durability_fails_with_406_inequivalent_arg()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using (var setup = await connection.CreateChannelAsync())
            await setup.QueueDeclareAsync("orders", durable: false, exclusive: false, autoDelete: false);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclareAsync("orders", durable: true, exclusive: false, autoDelete: false), 406,
            "PRECONDITION_FAILED - inequivalent arg 'durable' for queue 'orders' in vhost '/': received 'true' but current is 'false'");
    }

    [Fact]
    public async Task Redeclaring_a_queue_with_another_x_argument_fails_with_406_inequivalent_arg()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using (var setup = await connection.CreateChannelAsync())
            await setup.QueueDeclareAsync("limited", false, false, false, new Dictionary<string, object?> { ["x-max-length"] = 10 });
        await using var channel = await connection.CreateChannelAsync();

        var reason = await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclareAsync("limited", false, false, false,
            new Dictionary<string, object?> { ["x-max-length"] = 20 }), 406);

        Assert.StartsWith("PRECONDITION_FAILED - inequivalent arg 'x-max-length' for queue 'limited' in vhost '/'", reason.ReplyText);
    }

    [Fact]
    public async Task Redeclaring_an_exchange_with_another_type_fails_with_406_inequivalent_arg()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using (var setup = await connection.CreateChannelAsync())
            await setup.ExchangeDeclareAsync("events", ExchangeType.Direct);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.ExchangeDeclareAsync("events", ExchangeType.Fanout), 406,
            "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'events' in vhost '/': received 'fanout' but current is 'direct'");
    }

    [Fact]
    public async Task Acking_an_unknown_delivery_tag_closes_the_channel_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        var watcher = new ChannelCloseWatcher(channel);

        await channel.BasicAckAsync(42, multiple: false);
        var reason = await watcher.Closed;

        Assert.Equal(406, reason.ReplyCode);
        Assert.Equal("PRECONDITION_FAILED - unknown delivery tag 42", reason.ReplyText);
        Assert.Equal((60, 80), (reason.ClassId, reason.MethodId));
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Acking_the_same_delivery_twice_closes_the_channel_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        await RabbitMq.PublishAsync(channel, "", queue, "once");
        var got = await channel.BasicGetAsync(queue, autoAck: false);
        var watcher = new ChannelCloseWatcher(channel);

        await channel.BasicAckAsync(got!.DeliveryTag, false);
        await channel.BasicAckAsync(got.DeliveryTag, false);
        var reason = await watcher.Closed;

        Assert.Equal(406, reason.ReplyCode);
        Assert.Equal($"PRECONDITION_FAILED - unknown delivery tag {got.DeliveryTag}", reason.ReplyText);
    }

    [Fact]
    public async Task Selecting_transactions_on_a_confirm_channel_fails_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);

        await RabbitMq.AssertRefusedAsync(() => channel.TxSelectAsync(), 406,
            "PRECONDITION_FAILED - cannot switch from confirm to tx mode");
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Committing_without_tx_select_fails_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.TxCommitAsync(), 406,
            "PRECONDITION_FAILED - channel is not transactional");
    }

    [Fact]
    public async Task Another_connections_exclusive_queue_is_locked_with_405()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var owner = await RabbitMq.ConnectAsync(server);
        await using var ownerChannel = await owner.CreateChannelAsync();
        await ownerChannel.QueueDeclareAsync("mine", durable: false, exclusive: true, autoDelete: false);
        await using var other = await RabbitMq.ConnectAsync(server);
        const string Locked = "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'mine' in vhost '/'. It could be " +
                              "originally declared on another connection or the exclusive property value does not match that of the original declaration.";

        await using (var c = await other.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.QueueDeclarePassiveAsync("mine"), 405, Locked);
        await using (var c = await other.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.BasicConsumeAsync("mine", true, new CollectingConsumer(c)), 405, Locked);
        await using (var c = await other.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.QueueDeleteAsync("mine"), 405, Locked);

        Assert.True(other.IsOpen);
        Assert.Equal(0u, (await ownerChannel.QueueDeclarePassiveAsync("mine")).MessageCount);
    }

    [Fact]
    public async Task Redeclaring_a_queue_with_another_exclusive_flag_is_refused_with_405_even_on_the_same_connection()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using (var setup = await connection.CreateChannelAsync())
        {
            await setup.QueueDeclareAsync("shared", durable: false, exclusive: false, autoDelete: false);
            await setup.QueueDeclareAsync("private", durable: false, exclusive: true, autoDelete: false);
        }

        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.QueueDeclareAsync("shared", durable: false, exclusive: true, autoDelete: false), 405,
                "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'shared' in vhost '/'. It could be originally " +
                "declared on another connection or the exclusive property value does not match that of the original declaration.");
        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.QueueDeclareAsync("private", durable: false, exclusive: false, autoDelete: false), 405,
                "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'private' in vhost '/'. It could be originally " +
                "declared on another connection or the exclusive property value does not match that of the original declaration.");
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Declaring_an_exchange_with_the_reserved_amq_prefix_fails_with_403()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.ExchangeDeclareAsync("amq.foo", ExchangeType.Direct), 403,
            "ACCESS_REFUSED - exchange name 'amq.foo' contains reserved prefix 'amq.*'");
    }

    [Fact]
    public async Task Redeclaring_a_predeclared_amq_exchange_equivalently_succeeds()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await channel.ExchangeDeclareAsync("amq.topic", ExchangeType.Topic, durable: true);
        await channel.ExchangeDeclarePassiveAsync("amq.headers");

        Assert.True(channel.IsOpen);
    }

    [Fact]
    public async Task Deleting_a_predeclared_amq_exchange_fails_with_403()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.ExchangeDeleteAsync("amq.direct"), 403,
            "ACCESS_REFUSED - exchange name 'amq.direct' contains reserved prefix 'amq.*'");
    }

    [Fact]
    public async Task Declaring_a_queue_with_the_reserved_amq_prefix_fails_with_403()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclareAsync("amq.mine", false, false, false), 403,
            "ACCESS_REFUSED - queue name 'amq.mine' contains reserved prefix 'amq.*'");
    }

    [Fact]
    public async Task Publishing_to_an_internal_exchange_closes_the_channel_with_403()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        // RabbitMQ.Client 7 cannot set the internal flag; an operator creates such exchanges.
        server.Broker.DefaultVirtualHost.DeclareExchange("internal-only", "fanout", isInternal: true);
        await using var channel = await connection.CreateChannelAsync();
        var watcher = new ChannelCloseWatcher(channel);

        await RabbitMq.PublishAsync(channel, "internal-only", "", "nope");
        var reason = await watcher.Closed;

        Assert.Equal(403, reason.ReplyCode);
        Assert.Equal("ACCESS_REFUSED - cannot publish to internal exchange 'internal-only' in vhost '/'", reason.ReplyText);
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task A_user_without_configure_permission_cannot_declare_a_queue()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        server.Broker.AddUser("app", "pw").SetPermissions("/", new VhostPermissions("^app\\..*", "^app\\..*", "^app\\..*"));
        await using var connection = await RabbitMq.Factory(server, "app", "pw").CreateConnectionAsync();
        await using var allowed = await connection.CreateChannelAsync();
        await allowed.QueueDeclareAsync("app.inbox", false, false, false);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclareAsync("billing", false, false, false), 403,
            "ACCESS_REFUSED - access to queue 'billing' in vhost '/' refused for user 'app'");
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task A_user_without_configure_permission_cannot_declare_an_exchange()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        server.Broker.AddUser("app", "pw").SetPermissions("/", new VhostPermissions("^app\\..*", ".*", ".*"));
        await using var connection = await RabbitMq.Factory(server, "app", "pw").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.ExchangeDeclareAsync("billing", ExchangeType.Topic), 403,
            "ACCESS_REFUSED - access to exchange 'billing' in vhost '/' refused for user 'app'");
    }

    [Fact]
    public async Task A_user_without_write_permission_on_an_exchange_cannot_publish_to_it()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        server.Broker.AddUser("app", "pw").SetPermissions("/", new VhostPermissions("^app\\..*", "^app\\..*", "^app\\..*"));
        // A queue with the same name as the exchange must not confuse the refusal text.
        server.Broker.DefaultVirtualHost.DeclareExchange("audit", "direct");
        server.Broker.DefaultVirtualHost.DeclareQueue("audit");
        await using var connection = await RabbitMq.Factory(server, "app", "pw").CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var watcher = new ChannelCloseWatcher(channel);

        await RabbitMq.PublishAsync(channel, "audit", "anything", "x");
        var reason = await watcher.Closed;

        Assert.Equal(403, reason.ReplyCode);
        Assert.Equal("ACCESS_REFUSED - access to exchange 'audit' in vhost '/' refused for user 'app'", reason.ReplyText);
    }

    [Fact]
    public async Task A_user_without_read_permission_on_a_queue_cannot_consume_or_get_from_it()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("payroll");
        server.Broker.AddUser("app", "pw").SetPermissions("/", new VhostPermissions(".*", ".*", "^app\\..*"));
        await using var connection = await RabbitMq.Factory(server, "app", "pw").CreateConnectionAsync();
        const string Refused = "ACCESS_REFUSED - access to queue 'payroll' in vhost '/' refused for user 'app'";

        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.BasicConsumeAsync("payroll", true, new CollectingConsumer(c)), 403, Refused);
        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.BasicGetAsync("payroll", true), 403, Refused);
    }

    [Fact]
    public async Task A_user_may_bind_only_from_exchanges_it_can_read_to_queues_it_can_write()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        server.Broker.AddUser("app", "pw").SetPermissions("/", new VhostPermissions("^app\\..*", "^app\\..*", "^app\\..*"));
        await using var connection = await RabbitMq.Factory(server, "app", "pw").CreateConnectionAsync();
        await using (var setup = await connection.CreateChannelAsync())
        {
            await setup.QueueDeclareAsync("app.q", false, false, false);
            await setup.ExchangeDeclareAsync("app.x", ExchangeType.Direct);
            await setup.QueueBindAsync("app.q", "app.x", "k");
        }
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.QueueBindAsync("app.q", "amq.topic", "#"), 403,
            "ACCESS_REFUSED - access to exchange 'amq.topic' in vhost '/' refused for user 'app'");
    }

    [Fact]
    public async Task Publishing_with_a_user_id_other_than_the_login_closes_the_channel_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var watcher = new ChannelCloseWatcher(channel);

        await RabbitMq.PublishAsync(channel, "", queue, "spoofed", new BasicProperties { UserId = "mallory" });
        var reason = await watcher.Closed;

        Assert.Equal(406, reason.ReplyCode);
        Assert.Equal("PRECONDITION_FAILED - user_id property set to 'mallory' but authenticated user was 'guest'", reason.ReplyText);
    }

    [Fact]
    public async Task Publishing_with_an_unparsable_expiration_closes_the_channel_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var watcher = new ChannelCloseWatcher(channel);

        await RabbitMq.PublishAsync(channel, "", queue, "x", new BasicProperties { Expiration = "soon" });
        var reason = await watcher.Closed;

        Assert.Equal(406, reason.ReplyCode);
        Assert.StartsWith("PRECONDITION_FAILED - invalid expiration", reason.ReplyText);
    }

    [Fact]
    public async Task Declaring_a_queue_with_an_invalid_argument_fails_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        var reason = await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclareAsync("bad", false, false, false,
            new Dictionary<string, object?> { ["x-max-length"] = -1 }), 406);

        Assert.StartsWith("PRECONDITION_FAILED - invalid arg 'x-max-length' for queue 'bad' in vhost '/'", reason.ReplyText);
    }

    [Fact]
    public async Task Declaring_an_exchange_of_unknown_type_closes_the_connection_with_503()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.ExchangeDeclareAsync("odd", "x-no-such-type"), 503,
            "COMMAND_INVALID - unknown exchange type 'x-no-such-type'");

        await Eventually.TrueAsync(() => !connection.IsOpen, "a 503 must close the connection");
        Assert.Equal(503, connection.CloseReason!.ReplyCode);
    }

    [Fact]
    public async Task Basic_qos_with_a_prefetch_size_closes_the_connection_with_540()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        var reason = await RabbitMq.AssertRefusedAsync(() => channel.BasicQosAsync(prefetchSize: 1000, prefetchCount: 10, global: false), 540);

        Assert.StartsWith("NOT_IMPLEMENTED - prefetch_size!=0", reason.ReplyText);
        await Eventually.TrueAsync(() => !connection.IsOpen, "a 540 must close the connection");
    }

    [Fact]
    public async Task Reusing_a_consumer_tag_on_a_channel_closes_the_connection_with_530()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        await channel.BasicConsumeAsync(queue, true, "worker", new CollectingConsumer(channel));

        var reason = await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync(queue, true, "worker", new CollectingConsumer(channel)), 530,
            "NOT_ALLOWED - attempt to reuse consumer tag 'worker'");

        Assert.Equal((60, 20), (reason.ClassId, reason.MethodId));
        await Eventually.TrueAsync(() => !connection.IsOpen, "a 530 must close the connection");
    }

    [Fact]
    public async Task The_same_consumer_tag_on_two_channels_is_allowed()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var first = await connection.CreateChannelAsync();
        await using var second = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(first);

        await first.BasicConsumeAsync(queue, true, "worker", new CollectingConsumer(first));
        await second.BasicConsumeAsync(queue, true, "worker", new CollectingConsumer(second));

        Assert.Equal(2u, await first.ConsumerCountAsync(queue));
    }

    [Fact]
    public async Task Any_use_of_the_default_exchange_other_than_publishing_fails_with_403()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var setup = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(setup);

        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.QueueBindAsync(queue, "", queue), 403,
                "ACCESS_REFUSED - operation not permitted on the default exchange");
        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.ExchangeDeleteAsync(""), 403,
                "ACCESS_REFUSED - operation not permitted on the default exchange");
    }

    [Fact]
    public async Task Binding_to_or_from_the_default_exchange_is_refused_with_403_before_a_missing_queue_or_exchange_is_noticed()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        const string refused = "ACCESS_REFUSED - operation not permitted on the default exchange";

        // RabbitMQ checks the default exchange first: a missing queue or exchange does not turn this into 404.
        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.QueueBindAsync("no-such-queue", "", "k"), 403, refused);
        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.QueueUnbindAsync("no-such-queue", "", "k"), 403, refused);
        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.ExchangeBindAsync("no-such-exchange", "", "k"), 403, refused);
        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.ExchangeBindAsync("", "no-such-exchange", "k"), 403, refused);
        await using (var c = await connection.CreateChannelAsync())
            await RabbitMq.AssertRefusedAsync(() => c.ExchangeUnbindAsync("no-such-exchange", "", "k"), 403, refused);
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task After_a_channel_error_the_connection_carries_on_with_new_channels()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);

        for (int i = 0; i < 20; i++)
        {
            await using var broken = await connection.CreateChannelAsync();
            await RabbitMq.AssertRefusedAsync(() => broken.QueueDeclarePassiveAsync($"missing-{i}"), 404);
        }
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        await RabbitMq.PublishAsync(channel, "", queue, "fine");

        Assert.Equal("fine", Encoding.UTF8.GetString((await channel.BasicGetAsync(queue, true))!.Body.Span));
        Assert.Single(server.Broker.Connections);
    }

    [Fact]
    public async Task An_operation_on_a_channel_closed_by_the_broker_raises_already_closed()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclarePassiveAsync("missing"), 404);

        var e = await Assert.ThrowsAsync<AlreadyClosedException>(() => channel.QueueDeclareAsync().WaitAsync(RabbitMq.Timeout));

        Assert.Equal(404, e.ShutdownReason!.ReplyCode);
    }
}
