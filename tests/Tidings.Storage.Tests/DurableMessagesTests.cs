using System.Collections.Concurrent;
using System.Text;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;

namespace Tidings.Storage.Tests;

/// <summary>Persistent messages in durable queues, through the core, over a real segment store.</summary>
public sealed class DurableMessagesTests : IAsyncDisposable
{
    private readonly TempDirectory _temp = new("tidings-msgs");

    public ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class Confirms : IPublishConfirmSink
    {
        /// <summary>Set around Publish by the test: settlements seen then came synchronously.</summary>
        public volatile int PublishingThread;
        public readonly ConcurrentQueue<(ulong Id, bool Accepted, bool InsidePublish)> Outcomes = new();
        public void Settled(ulong publishId, bool accepted) =>
            Outcomes.Enqueue((publishId, accepted, PublishingThread == Environment.CurrentManagedThreadId));
    }

    private sealed class Inbox : IConsumerSink
    {
        public readonly ConcurrentQueue<Delivery> Deliveries = new();
        public void Deliver(in Delivery delivery) => Deliveries.Enqueue(delivery);
        public void CancelledByBroker(Consumer consumer) { }
    }

    private (Broker Broker, SegmentMessageStore Store) Start()
    {
        var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0 });
        var store = new SegmentMessageStore(Path.Combine(_temp.Path, "msgs"), broker.StoreFsyncLatency);
        broker.MessageStore = store;
        DefinitionsFile.Load(broker, _temp.Path);
        return (broker, store);
    }

    private async Task StopAsync(Broker broker, SegmentMessageStore store)
    {
        DefinitionsFile.Save(broker, _temp.Path);
        broker.Dispose();
        await store.DisposeAsync();
    }

    private static readonly MessageProperties Persistent = new() { Durable = true };
    private static ReadOnlyMemory<byte> Body(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public async Task Persistent_messages_come_back_after_a_restart_in_order_marked_redelivered_and_acked_ones_do_not()
    {
        var (broker, store) = Start();
        var vhost = broker.DefaultVirtualHost;
        vhost.DeclareQueue("orders", durable: true);
        var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        var confirms = new Confirms();
        session.ConfirmSink = confirms;
        for (ulong i = 1; i <= 10; i++)
            session.Publish("", "orders", Persistent, Body($"order {i}"), publishId: i);
        session.Publish("", "orders", MessageProperties.Empty, Body("transient"), publishId: 11);
        for (int i = 0; i < 100 && confirms.Outcomes.Count < 11; i++) await Task.Delay(20);
        Assert.Equal(11, confirms.Outcomes.Count);
        Assert.All(confirms.Outcomes, c => Assert.True(c.Accepted));
        // Ack the first three; they must never come back.
        for (int i = 0; i < 3; i++)
        {
            var got = session.Get("orders", noAck: false)!;
            session.Ack(got.DeliveryTag, multiple: false);
        }
        await StopAsync(broker, store);

        (broker, store) = Start();
        var queue = broker.DefaultVirtualHost.FindQueue("orders")!;
        var again = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        var bodies = new List<string>();
        while (again.Get("orders", noAck: true) is { } m)
        {
            Assert.True(m.Redelivered);
            bodies.Add(Encoding.UTF8.GetString(m.Message.Body.Span));
        }
        Assert.Equal(Enumerable.Range(4, 7).Select(i => $"order {i}"), bodies);
        Assert.Equal(0, queue.MessageCount);
        await StopAsync(broker, store);

        // Consumed with no-ack above: nothing comes back a second time.
        (broker, store) = Start();
        Assert.Equal(0, broker.DefaultVirtualHost.FindQueue("orders")!.MessageCount);
        await StopAsync(broker, store);
    }

    [Fact]
    public async Task A_confirm_for_a_persistent_message_is_sent_from_the_store_after_the_fsync()
    {
        var (broker, store) = Start();
        broker.DefaultVirtualHost.DeclareQueue("durable", durable: true);
        broker.DefaultVirtualHost.DeclareQueue("memory", durable: false);
        var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        var confirms = new Confirms();
        session.ConfirmSink = confirms;
        long fsyncsBefore = broker.StoreFsyncLatency.Count;

        confirms.PublishingThread = Environment.CurrentManagedThreadId;
        session.Publish("", "memory", Persistent, Body("fast"), publishId: 1);
        session.Publish("", "durable", Persistent, Body("synced"), publishId: 2);
        confirms.PublishingThread = 0;
        for (int i = 0; i < 100 && confirms.Outcomes.Count < 2; i++) await Task.Delay(20);

        var outcomes = confirms.Outcomes.ToArray();
        Assert.Equal((1UL, true, true), outcomes[0]); // an in-memory queue settles inside Publish
        Assert.Equal((2UL, true, false), outcomes[1]); // a durable one from the store, after its fsync
        Assert.True(broker.StoreFsyncLatency.Count > fsyncsBefore);
        await StopAsync(broker, store);
    }

    [Fact]
    public async Task A_durable_queue_deleted_and_declared_again_at_once_starts_empty_and_keeps_new_messages()
    {
        var (broker, store) = Start();
        var vhost = broker.DefaultVirtualHost;
        var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        vhost.DeclareQueue("q", durable: true);
        for (int i = 0; i < 100; i++) session.Publish("", "q", Persistent, Body($"old {i}"));
        vhost.DeleteQueue("q");
        vhost.DeclareQueue("q", durable: true);
        session.Publish("", "q", Persistent, Body("new"));
        await StopAsync(broker, store);

        (broker, store) = Start();
        var again = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        var got = again.Get("q", noAck: true);
        Assert.Equal("new", Encoding.UTF8.GetString(got!.Message.Body.Span));
        Assert.Null(again.Get("q", noAck: true));
        await StopAsync(broker, store);
    }

    [Fact]
    public async Task Unacked_deliveries_at_shutdown_come_back_and_a_deleted_queue_leaves_no_files()
    {
        var (broker, store) = Start();
        broker.DefaultVirtualHost.DeclareQueue("work", durable: true);
        var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        for (int i = 0; i < 5; i++) session.Publish("", "work", Persistent, Body($"job {i}"));
        var inbox = new Inbox();
        session.Consume("work", "c", noAck: false, exclusive: false, null, inbox);
        Assert.Equal(5, inbox.Deliveries.Count);
        await StopAsync(broker, store); // never acked

        (broker, store) = Start();
        Assert.Equal(5, broker.DefaultVirtualHost.FindQueue("work")!.MessageCount);
        broker.DefaultVirtualHost.DeleteQueue("work");
        await StopAsync(broker, store);

        Assert.Empty(Directory.GetDirectories(Path.Combine(_temp.Path, "msgs")));
    }
}
