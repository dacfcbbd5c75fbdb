using Tidings.Core.Messages;
using Tidings.Core.Sessions;
using Tidings.Core.Storage;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Faults;

/// <summary>
/// Every entry point of the broker's own threads (deliveries, queue timers, alarm handlers) is
/// guarded: a fault is reported to <see cref="Broker.Faults"/>, stops at most what it belongs
/// to, and loses no message. Without the guards each of these throws into the caller (the
/// publisher, or the manual clock standing in for a timer thread, where it would end the process).
/// </summary>
public sealed class FaultIsolationTests : IDisposable
{
    private readonly ManualTimeProvider _clock = new();
    private readonly Broker _broker;
    private readonly List<(string Where, Exception Error)> _reported = [];

    public FaultIsolationTests()
    {
        _broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 0 }, _clock);
        _broker.Faults.Reported += (where, error) => { lock (_reported) _reported.Add((where, error)); };
    }

    public void Dispose() => _broker.Dispose();

    private Session OpenSession() => _broker.OpenConnection(_broker.FindUser("guest")!, "/", "test").OpenSession(1);

    /// <summary>A sink whose Deliver always throws, as an adapter with a bug would.</summary>
    private sealed class ThrowingSink : IConsumerSink
    {
        public readonly TaskCompletionSource<Consumer?> Failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Attempts;

        public void Deliver(in Delivery delivery)
        {
            Attempts++;
            throw new InvalidOperationException("sink bug");
        }

        public void CancelledByBroker(Consumer consumer) { }

        public void DeliveryFailed(Consumer? consumer, Exception error) => Failed.TrySetResult(consumer);
    }

    [Fact]
    public async Task A_sink_that_throws_stops_only_its_consumer_and_the_message_goes_to_the_next_one()
    {
        var vhost = _broker.DefaultVirtualHost;
        vhost.DeclareQueue("work");
        var bad = new ThrowingSink();
        var good = new RecordingSink();
        var badConsumer = OpenSession().Consume("work", "bad", noAck: false, exclusive: false, null, bad);
        var session = _broker.OpenConnection(_broker.FindUser("guest")!, "/", "test").OpenSession(1);
        session.Consume("work", "good", noAck: false, exclusive: false, null, good);

        // The publisher is not the one who pays for the consumer's fault.
        for (int i = 0; i < 3; i++) vhost.Publish("", "work", $"m{i}");

        Assert.Equal(["m0", "m1", "m2"], good.Bodies);
        Assert.Equal(1, bad.Attempts);
        Assert.False(badConsumer.IsActive);
        Assert.Same(badConsumer, await bad.Failed.Task.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, _broker.Faults.Count);
        Assert.Contains("consumer 'bad'", _reported[0].Where);
        // The failed delivery was taken back: it is neither unacked on the bad session nor lost.
        Assert.Equal(0, badConsumer.Session.UnackedCount);
        Assert.Equal(3, vhost.FindQueue("work")!.UnackedCount);
        // The message the bad sink never got is not marked redelivered: nobody saw it before.
        Assert.All(good.Deliveries, d => Assert.False(d.Redelivered));
    }

    [Fact]
    public void A_message_whose_only_consumer_fails_stays_in_the_queue_for_a_later_consumer()
    {
        var vhost = _broker.DefaultVirtualHost;
        vhost.DeclareQueue("work");
        var bad = new ThrowingSink();
        var badSession = OpenSession();
        badSession.Consume("work", "bad", noAck: true, exclusive: false, null, bad);

        vhost.Publish("", "work", "keep me");

        Assert.Equal(1, vhost.FindQueue("work")!.MessageCount);
        badSession.Close();
        var good = new RecordingSink();
        OpenSession().Consume("work", "good", noAck: false, exclusive: false, null, good);
        Assert.Equal(["keep me"], good.Bodies);
    }

    /// <summary>A store whose logs fail on removal or deletion, as a disk error would make them.</summary>
    private sealed class FailingStore : IMessageStore
    {
        public bool FailRemove;
        public bool FailDelete;

        public IQueueLog OpenQueue(string virtualHost, string queue, Action<Message, StoredMessage> recovered) => new Log(this);

        private sealed class Log(FailingStore store) : IQueueLog
        {
            public StoredMessage Append(Message message, Action<object?> onDurable, object? state)
            {
                onDurable(state);
                return new StoredMessage { Id = 1 };
            }

            public Message Read(StoredMessage message) => throw new InvalidOperationException("nothing is paged in this test");

            public void Remove(StoredMessage message)
            {
                if (store.FailRemove) throw new IOException("disk error on remove");
            }

            public void Delete()
            {
                if (store.FailDelete) throw new IOException("disk error on delete");
            }
        }
    }

    [Fact]
    public void A_fault_in_the_TTL_timer_is_reported_and_retried_instead_of_thrown_into_the_timer_thread()
    {
        var store = new FailingStore();
        _broker.MessageStore = store;
        var vhost = _broker.DefaultVirtualHost;
        vhost.DeclareQueue("ttl", durable: true, arguments: TestMessages.Table(("x-message-ttl", 100)));
        vhost.Publish("", "ttl", "expires", new MessageProperties { Durable = true });
        store.FailRemove = true;

        _clock.Advance(TimeSpan.FromMilliseconds(150));

        var fault = Assert.Single(_reported);
        Assert.Contains("queue 'ttl' in vhost '/': TTL timer", fault.Where);
        Assert.IsType<IOException>(fault.Error);

        // The disk recovers: the retry a second later expires the message after all.
        store.FailRemove = false;
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(0, vhost.FindQueue("ttl")!.MessageCount);
    }

    [Fact]
    public void A_fault_in_the_visibility_timer_is_reported_and_retried_instead_of_thrown_into_the_timer_thread()
    {
        var store = new FailingStore();
        _broker.MessageStore = store;
        var vhost = _broker.DefaultVirtualHost;
        vhost.DeclareQueue("seen", durable: true, arguments: TestMessages.Table(("x-message-ttl", 1000)));
        vhost.Publish("", "seen", "expires while received", new MessageProperties { Durable = true });
        var received = new List<Tidings.Core.Queues.QueueDelivery>();
        Assert.Equal(1, vhost.Receive("seen", null, 1, TimeSpan.FromMilliseconds(1500), received));
        store.FailRemove = true;

        // The receive's timeout returns the message after its TTL: dropping it fails on the disk.
        _clock.Advance(TimeSpan.FromMilliseconds(1600));

        var fault = Assert.Single(_reported);
        Assert.Contains("queue 'seen' in vhost '/': visibility timer", fault.Where);
        // The disk recovers: the retry a second later expires the message after all.
        store.FailRemove = false;
        _clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.Equal(0, vhost.FindQueue("seen")!.MessageCount);
    }

    [Fact]
    public void A_fault_in_the_x_expires_timer_is_reported_instead_of_thrown_into_the_timer_thread()
    {
        var store = new FailingStore { FailDelete = true };
        _broker.MessageStore = store;
        _broker.DefaultVirtualHost.DeclareQueue("idle", durable: true, arguments: TestMessages.Table(("x-expires", 1000)));

        _clock.Advance(TimeSpan.FromSeconds(2));

        Assert.Contains(_reported, r => r.Where.Contains("x-expires timer") && r.Error is IOException);
    }

    [Fact]
    public void A_failing_alarm_handler_is_reported_and_the_other_handlers_still_hear_of_the_alarm()
    {
        var heard = new List<bool>();
        _broker.Alarms.Changed += _ => throw new InvalidOperationException("adapter bug");
        _broker.Alarms.Changed += heard.Add;

        // The watermarks call this from their timer threads.
        _broker.Alarms.Set("memory", true);
        _broker.Alarms.Set("memory", false);

        Assert.Equal([true, false], heard);
        Assert.Equal(2, _reported.Count(r => r.Where == "resource alarm handler"));
    }

    [Fact]
    public void A_per_message_expiration_of_weeks_neither_fails_the_publish_nor_the_timer()
    {
        // 4,000,000,000 ms (46 days) is within RabbitMQ's limit; the head timer waits a day at a time.
        var vhost = _broker.DefaultVirtualHost;
        vhost.DeclareQueue("q");
        vhost.Publish("", "q", "short", new MessageProperties { TimeToLiveMs = 100 });
        vhost.Publish("", "q", "long", new MessageProperties { TimeToLiveMs = 4000000000 });

        _clock.Advance(TimeSpan.FromDays(2));

        Assert.Equal(1, vhost.FindQueue("q")!.MessageCount);
        Assert.Empty(_reported);
    }
}
