using System.Buffers.Binary;
using Tidings.Core;
using Tidings.Core.Messages;

namespace Tidings.Storage.Tests;

/// <summary>Compaction under a real queue: stragglers keep their order and nothing is lost.</summary>
public sealed class QueueCompactionTests : IAsyncDisposable
{
    private readonly TempDirectory _temp = new("tidings-qcompact");

    public ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }

    private (Broker, SegmentMessageStore) Start()
    {
        var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0, QueueWindowMessages = 50 });
        var store = new SegmentMessageStore(Path.Combine(_temp.Path, "msgs"), broker.StoreFsyncLatency, segmentSize: 16 * 1024,
            compactionMinimumBytes: 1);
        broker.MessageStore = store;
        DefinitionsFile.Load(broker, _temp.Path);
        return (broker, store);
    }

    [Fact]
    public async Task Stragglers_of_mostly_consumed_segments_are_compacted_and_come_back_in_order()
    {
        var (broker, store) = Start();
        broker.DefaultVirtualHost.DeclareQueue("jobs", durable: true);
        var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        var persistent = new MessageProperties { Durable = true };
        // Confirmed publishes: every job is on disk before the workers start (a job acked before
        // its write is never written at all, which would leave nothing to compact).
        var confirmed = new SemaphoreSlim(0);
        session.ConfirmSink = new ReleasingSink(confirmed);
        for (int i = 0; i < 1000; i++)
        {
            var body = new byte[200];
            BinaryPrimitives.WriteInt32BigEndian(body, i);
            session.Publish("", "jobs", persistent, body, publishId: (ulong)i + 1);
        }
        for (int i = 0; i < 1000; i++) Assert.True(await confirmed.WaitAsync(TimeSpan.FromSeconds(30)));
        // Every 10th job is held unacked (a slow worker); the rest are done.
        var held = new List<ulong>();
        for (int i = 0; i < 1000; i++)
        {
            var got = session.Get("jobs", noAck: false)!;
            if (i % 10 == 0) held.Add(got.DeliveryTag);
            else session.Ack(got.DeliveryTag, multiple: false);
        }
        for (int i = 0; i < 100 && store.Compactions == 0; i++) await Task.Delay(20);
        Assert.True(store.Compactions > 0, "no segment was compacted");
        // The worker gives the held jobs back; a restart follows.
        foreach (var tag in held) session.Nack(tag, multiple: false, requeue: true);
        DefinitionsFile.Save(broker, _temp.Path);
        broker.Dispose();
        await store.DisposeAsync();

        (broker, store) = Start();
        var again = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        var order = new List<int>();
        while (again.Get("jobs", noAck: true) is { } m) order.Add(BinaryPrimitives.ReadInt32BigEndian(m.Message.Body.Span));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 10), order);
        broker.Dispose();
        await store.DisposeAsync();
    }
}
