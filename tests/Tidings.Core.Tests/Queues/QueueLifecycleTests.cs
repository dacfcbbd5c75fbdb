using Tidings.Core.Sessions;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Queues;

/// <summary>
/// How queues come and go: server-named, passive and equivalent declares, exclusive and
/// auto-delete queues, x-expires, purge and conditional delete.
/// </summary>
public sealed class QueueLifecycleTests : IDisposable
{
    /// <summary>The manual clock x-expires runs on.</summary>
    private readonly ManualTimeProvider _time = new();
    /// <summary>The broker every case in this class uses.</summary>
    private readonly Broker _broker;

    public QueueLifecycleTests()
    {
        _broker = new Broker(new BrokerOptions(), _time);
    }

    private VirtualHost VHost => _broker.DefaultVirtualHost;

    public void Dispose() => _broker.Dispose();

    private ClientConnection Connect() => _broker.OpenConnection(_broker.FindUser("guest")!, "/", "test");

    private static Dictionary<string, object?> Args(params (string, object?)[] entries) => TestMessages.Table(entries);

    // ---- naming and declaring ----

    [Fact]
    public void Queue_declared_without_a_name_gets_a_unique_server_generated_amq_gen_name()
    {
        var first = VHost.DeclareQueue("");
        var second = VHost.DeclareQueue("");

        Assert.StartsWith("amq.gen-", first.QueueName);
        Assert.NotEqual(first.QueueName, second.QueueName);
        Assert.NotNull(VHost.FindQueue(first.QueueName));
        Assert.False(VHost.Publish("", first.QueueName, "m").Unroutable);
    }

    [Fact]
    public void Queue_name_with_the_amq_prefix_chosen_by_the_client_is_refused()
    {
        var error = Assert.Throws<BrokerException>(() => VHost.DeclareQueue("amq.mine"));

        Assert.Equal(BrokerError.AccessRefused, error.Error);
        Assert.Null(VHost.FindQueue("amq.mine"));
    }

    [Fact]
    public void Passive_declare_of_a_missing_queue_fails_with_not_found()
    {
        var error = Assert.Throws<BrokerException>(() => VHost.DeclareQueue("missing", passive: true));

        Assert.Equal(BrokerError.NotFound, error.Error);
        Assert.Contains("missing", error.Message);
        Assert.Null(VHost.FindQueue("missing"));
    }

    [Fact]
    public void Declare_reports_the_ready_messages_and_consumers_of_an_existing_queue()
    {
        VHost.DeclareQueue("q");
        VHost.Publish("", "q", "1");
        VHost.Publish("", "q", "2");
        Connect().OpenSession(1).Consume("q", null, noAck: false, exclusive: false, null, new RecordingSink());

        var passive = VHost.DeclareQueue("q", passive: true);
        var active = VHost.DeclareQueue("q");

        // Both were delivered to the consumer, so none is ready.
        Assert.Equal(("q", 0, 1), (passive.QueueName, passive.MessageCount, passive.ConsumerCount));
        Assert.Equal(passive, active);
    }

    [Theory]
    [InlineData("x-message-ttl", 1000, 2000)]
    [InlineData("x-max-length", 10, 20)]
    [InlineData("x-dead-letter-exchange", "dlx-a", "dlx-b")]
    [InlineData("x-max-priority", 5, 10)]
    [InlineData("x-overflow", "drop-head", "reject-publish")]
    [InlineData("x-expires", 1000, null)]
    [InlineData("x-single-active-consumer", true, null)]
    public void Redeclaring_with_a_different_argument_fails_with_inequivalent_arg(string key, object original, object? changed)
    {
        VHost.DeclareQueue("q", arguments: Args((key, original)));

        var error = Assert.Throws<BrokerException>(() =>
            VHost.DeclareQueue("q", arguments: changed is null ? null : Args((key, changed))));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Contains("inequivalent arg", error.Message);
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void Redeclaring_with_an_added_argument_fails_with_inequivalent_arg()
    {
        VHost.DeclareQueue("q");

        var error = Assert.Throws<BrokerException>(() => VHost.DeclareQueue("q", arguments: Args(("x-max-length", 5))));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Contains("inequivalent arg 'x-max-length'", error.Message);
    }

    [Theory]
    [InlineData("durable")]
    [InlineData("auto_delete")]
    public void Redeclaring_with_different_flags_fails_with_inequivalent_arg(string flag)
    {
        VHost.DeclareQueue("q", durable: true);

        var error = Assert.Throws<BrokerException>(() =>
            VHost.DeclareQueue("q", durable: flag != "durable", autoDelete: flag == "auto_delete"));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Contains($"inequivalent arg '{flag}'", error.Message);
    }

    [Fact]
    public void Redeclaring_with_the_same_number_in_another_integer_width_is_equivalent()
    {
        VHost.DeclareQueue("q", arguments: Args(("x-message-ttl", 1000)));

        var result = VHost.DeclareQueue("q", arguments: Args(("x-message-ttl", 1000L)));

        Assert.Equal("q", result.QueueName);
    }

    [Fact]
    public void Redeclaring_with_different_unrecognised_arguments_is_allowed()
    {
        VHost.DeclareQueue("q", arguments: Args(("x-app-tag", "a")));

        var result = VHost.DeclareQueue("q", arguments: Args(("x-app-tag", "b")));

        Assert.Equal("q", result.QueueName);
    }

    [Theory]
    [InlineData("x-message-ttl", -1)]
    [InlineData("x-expires", 0)]
    [InlineData("x-max-length", "ten")]
    [InlineData("x-overflow", "drop-tail")]
    [InlineData("x-single-active-consumer", "yes")]
    public void Invalid_queue_argument_fails_with_precondition_failed(string key, object value)
    {
        var error = Assert.Throws<BrokerException>(() => VHost.DeclareQueue("q", arguments: Args((key, value))));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Contains(key, error.Message);
        Assert.Null(VHost.FindQueue("q"));
    }

    // ---- exclusive queues ----

    [Fact]
    public void Exclusive_queue_is_locked_to_other_connections()
    {
        var owner = Connect();
        VHost.DeclareQueue("mine", exclusive: true, caller: owner);
        var other = Connect();
        var otherSession = other.OpenSession(1);

        void Locked(Action action) => Assert.Equal(BrokerError.ResourceLocked, Assert.Throws<BrokerException>(action).Error);
        Locked(() => otherSession.Consume("mine", null, false, false, null, new RecordingSink()));
        Locked(() => otherSession.Get("mine", noAck: true));
        Locked(() => VHost.DeclareQueue("mine", exclusive: true, caller: other));
        Locked(() => VHost.DeclareQueue("mine", passive: true, caller: other));
        Locked(() => VHost.DeleteQueue("mine", caller: other));
        Locked(() => VHost.PurgeQueue("mine", caller: other));
        Locked(() => VHost.BindQueue("mine", "amq.direct", "k", caller: other));

        // The owner uses it freely, and anyone may publish to it.
        otherSession.Publish("", "mine", "from-other");
        Assert.Equal("from-other", owner.OpenSession(1).Get("mine", noAck: true)!.Message.Text());
    }

    [Fact]
    public void Exclusive_queue_is_deleted_when_its_connection_closes()
    {
        var owner = Connect();
        VHost.DeclareQueue("mine", exclusive: true, caller: owner);
        VHost.BindQueue("mine", "amq.direct", "k", caller: owner);
        var bystander = Connect();
        VHost.DeclareQueue("theirs", exclusive: true, caller: bystander);

        owner.Dispose();

        Assert.Null(VHost.FindQueue("mine"));
        Assert.True(VHost.Publish("amq.direct", "k", "m").Unroutable);
        Assert.NotNull(VHost.FindQueue("theirs"));
    }

    // ---- auto-delete queues ----

    [Fact]
    public void Auto_delete_queue_without_any_consumer_yet_stays()
    {
        VHost.DeclareQueue("q", autoDelete: true);
        _time.AdvanceMs(3_600_000);

        Assert.NotNull(VHost.FindQueue("q"));
    }

    [Fact]
    public void Auto_delete_queue_is_deleted_when_its_last_consumer_cancels()
    {
        VHost.DeclareQueue("q", autoDelete: true);
        var session = Connect().OpenSession(1);
        session.Consume("q", "c1", false, false, null, new RecordingSink());
        session.Consume("q", "c2", false, false, null, new RecordingSink());

        session.Cancel("c1");
        Assert.NotNull(VHost.FindQueue("q"));
        session.Cancel("c2");

        Assert.Null(VHost.FindQueue("q"));
    }

    [Fact]
    public void Auto_delete_queue_is_deleted_when_its_consumers_connection_closes()
    {
        VHost.DeclareQueue("q", autoDelete: true);
        var connection = Connect();
        connection.OpenSession(1).Consume("q", null, false, false, null, new RecordingSink());

        connection.Dispose();

        Assert.Null(VHost.FindQueue("q"));
    }

    [Fact]
    public void Basic_get_does_not_make_an_auto_delete_queue_go()
    {
        VHost.DeclareQueue("q", autoDelete: true);
        VHost.Publish("", "q", "m");

        Connect().OpenSession(1).Get("q", noAck: true);

        Assert.NotNull(VHost.FindQueue("q"));
    }

    // ---- x-expires ----

    [Fact]
    public void Unused_queue_with_x_expires_is_deleted_after_the_time()
    {
        VHost.DeclareQueue("q", arguments: Args(("x-expires", 1000)));
        VHost.BindQueue("q", "amq.direct", "k");
        VHost.Publish("", "q", "publishing-is-not-use");

        _time.AdvanceMs(999);
        Assert.NotNull(VHost.FindQueue("q"));
        _time.AdvanceMs(1);

        Assert.Null(VHost.FindQueue("q"));
        Assert.True(VHost.Publish("amq.direct", "k", "m").Unroutable);
    }

    [Theory]
    [InlineData("redeclare")]
    [InlineData("passive-declare")]
    [InlineData("basic-get")]
    public void Using_a_queue_restarts_its_x_expires_countdown(string use)
    {
        VHost.DeclareQueue("q", arguments: Args(("x-expires", 1000)));
        _time.AdvanceMs(600);

        switch (use)
        {
            case "redeclare": VHost.DeclareQueue("q", arguments: Args(("x-expires", 1000))); break;
            case "passive-declare": VHost.DeclareQueue("q", passive: true); break;
            default: Connect().OpenSession(1).Get("q", noAck: true); break;
        }

        _time.AdvanceMs(999);
        Assert.NotNull(VHost.FindQueue("q"));
        _time.AdvanceMs(1);
        Assert.Null(VHost.FindQueue("q"));
    }

    [Fact]
    public void Queue_with_x_expires_is_kept_while_it_has_a_consumer_and_expires_after_the_last_one_leaves()
    {
        VHost.DeclareQueue("q", arguments: Args(("x-expires", 1000)));
        var session = Connect().OpenSession(1);
        session.Consume("q", "c", false, false, null, new RecordingSink());

        _time.AdvanceMs(10_000);
        Assert.NotNull(VHost.FindQueue("q"));
        session.Cancel("c");
        _time.AdvanceMs(999);
        Assert.NotNull(VHost.FindQueue("q"));
        _time.AdvanceMs(1);

        Assert.Null(VHost.FindQueue("q"));
    }

    [Fact]
    public void Expired_queue_drops_its_messages_without_dead_lettering_them()
    {
        VHost.DeclareQueue("dead");
        VHost.DeclareQueue("q", arguments: Args(("x-expires", 1000), ("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dead")));
        VHost.Publish("", "q", "m");

        _time.AdvanceMs(1000);

        Assert.Null(VHost.FindQueue("q"));
        // Queue expiry is not message expiry: nothing is dead-lettered.
        Assert.Equal(0, VHost.FindQueue("dead")!.MessageCount);
    }

    // ---- purge and delete ----

    [Fact]
    public void Purge_removes_ready_messages_but_not_unacked_ones_and_does_not_dead_letter()
    {
        VHost.DeclareQueue("dead");
        VHost.DeclareQueue("q", arguments: Args(("x-dead-letter-exchange", ""), ("x-dead-letter-routing-key", "dead")));
        foreach (var body in new[] { "1", "2", "3" }) VHost.Publish("", "q", body);
        var session = Connect().OpenSession(1);
        var held = session.Get("q", noAck: false)!;

        Assert.Equal(2, VHost.PurgeQueue("q"));

        var queue = VHost.FindQueue("q")!;
        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(1, queue.UnackedCount);
        Assert.Equal(0, VHost.FindQueue("dead")!.MessageCount);
        session.Nack(held.DeliveryTag, multiple: false, requeue: true);
        Assert.Equal("1", session.Get("q", noAck: true)!.Message.Text());
    }

    [Fact]
    public void Purging_a_missing_queue_fails_with_not_found()
    {
        Assert.Equal(BrokerError.NotFound, Assert.Throws<BrokerException>(() => VHost.PurgeQueue("missing")).Error);
    }

    [Fact]
    public void Delete_returns_the_number_of_ready_messages_and_removes_the_queue()
    {
        VHost.DeclareQueue("q");
        VHost.Publish("", "q", "1");
        VHost.Publish("", "q", "2");

        Assert.Equal(2, VHost.DeleteQueue("q"));

        Assert.Null(VHost.FindQueue("q"));
        Assert.True(VHost.Publish("", "q", "m").Unroutable);
    }

    [Fact]
    public void Deleting_a_missing_queue_succeeds_with_zero_messages()
    {
        Assert.Equal(0, VHost.DeleteQueue("never-declared"));
    }

    [Fact]
    public void Delete_if_unused_refuses_a_queue_with_consumers()
    {
        VHost.DeclareQueue("q");
        var session = Connect().OpenSession(1);
        session.Consume("q", "c", false, false, null, new RecordingSink());

        var error = Assert.Throws<BrokerException>(() => VHost.DeleteQueue("q", ifUnused: true));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.NotNull(VHost.FindQueue("q"));
        session.Cancel("c");
        VHost.DeleteQueue("q", ifUnused: true);
        Assert.Null(VHost.FindQueue("q"));
    }

    [Fact]
    public void Delete_if_empty_refuses_a_queue_with_ready_messages()
    {
        VHost.DeclareQueue("q");
        VHost.Publish("", "q", "m");

        var error = Assert.Throws<BrokerException>(() => VHost.DeleteQueue("q", ifEmpty: true));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.NotNull(VHost.FindQueue("q"));
        VHost.PurgeQueue("q");
        VHost.DeleteQueue("q", ifEmpty: true);
        Assert.Null(VHost.FindQueue("q"));
    }

    [Fact]
    public void Acking_a_message_of_a_deleted_queue_is_harmless()
    {
        VHost.DeclareQueue("q");
        VHost.Publish("", "q", "m");
        var session = Connect().OpenSession(1);
        var got = session.Get("q", noAck: false)!;

        VHost.DeleteQueue("q");
        session.Ack(got.DeliveryTag, multiple: false);

        Assert.Equal(0, session.UnackedCount);
    }
}
