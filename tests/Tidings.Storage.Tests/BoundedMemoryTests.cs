using System.Buffers.Binary;
using Tidings.Core;
using Tidings.Core.Messages;

namespace Tidings.Storage.Tests;

/// <summary>A durable queue with a long backlog keeps only a window in memory and drains in order.</summary>
public sealed class BoundedMemoryTests : IAsyncDisposable
{
    private readonly TempDirectory _temp = new("tidings-window");

    public ValueTask DisposeAsync()
    {
        _temp.Dispose();
        return ValueTask.CompletedTask;
    }

    private (Broker, SegmentMessageStore) Start()
    {
        var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0, QueueWindowBytes = 256 * 1024, QueueWindowMessages = 1000 });
        var store = new SegmentMessageStore(Path.Combine(_temp.Path, "msgs"), broker.StoreFsyncLatency, segmentSize: 8 << 20);
        broker.MessageStore = store;
        DefinitionsFile.Load(broker, _temp.Path);
        return (broker, store);
    }

    [Fact]
    public async Task A_long_backlog_is_paged_to_disk_and_drains_in_order_also_after_a_restart()
    {
        const int total = 100_000;
        var (broker, store) = Start();
        broker.DefaultVirtualHost.DeclareQueue("backlog", durable: true);
        var queue = broker.DefaultVirtualHost.FindQueue("backlog")!;
        var session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        // A confirming publisher with at most 1,000 unconfirmed messages, as real ones run.
        var window = new SemaphoreSlim(1000);
        session.ConfirmSink = new ReleasingSink(window);
        var persistent = new MessageProperties { Durable = true };
        long mostInMemory = 0;
        for (int i = 0; i < total; i++)
        {
            Assert.True(await window.WaitAsync(TimeSpan.FromSeconds(30)));
            var body = new byte[1024];
            BinaryPrimitives.WriteInt32BigEndian(body, i);
            session.Publish("", "backlog", persistent, body, publishId: (ulong)i + 1);
            if (i % 5000 == 4999) mostInMemory = Math.Max(mostInMemory, queue.MessagesInMemory);
        }
        // The window plus writes in flight are objects; everything else is a log position.
        Assert.True(mostInMemory <= 1000 + 1000 + 100, $"{mostInMemory} of {total} messages held in memory");
        Assert.Equal(total, queue.MessageCount);
        Assert.Equal(total * 1024L, queue.MessageBytes);

        // Half now, in order.
        for (int i = 0; i < total / 2; i++)
        {
            var got = session.Get("backlog", noAck: true)!;
            Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(got.Message.Body.Span));
        }
        DefinitionsFile.Save(broker, _temp.Path);
        broker.Dispose();
        await store.DisposeAsync();

        // The other half after a restart: recovered into a window, the rest left on disk.
        (broker, store) = Start();
        queue = broker.DefaultVirtualHost.FindQueue("backlog")!;
        Assert.Equal(total / 2, queue.MessageCount);
        Assert.True(queue.MessagesInMemory <= 1000, $"{queue.MessagesInMemory} messages in memory after recovery");
        session = broker.OpenConnection(broker.FindUser("guest")!, "/", "test").OpenSession(1);
        for (int i = total / 2; i < total; i++)
        {
            var got = session.Get("backlog", noAck: true)!;
            Assert.Equal(i, BinaryPrimitives.ReadInt32BigEndian(got.Message.Body.Span));
        }
        Assert.Null(session.Get("backlog", noAck: true));
        broker.Dispose();
        await store.DisposeAsync();
    }
}

internal sealed class ReleasingSink(SemaphoreSlim window) : Tidings.Core.Sessions.IPublishConfirmSink
{
    public void Settled(ulong publishId, bool accepted) => window.Release();
}
