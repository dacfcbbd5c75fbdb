using Tidings.Core;
using Tidings.Core.Tests.QueueSemantics;

namespace Tidings.Storage.Tests;

/// <summary>
/// The core's queue-semantics suite, unchanged, against brokers whose durable queues keep their
/// persistent messages in the segment store (every test declares durable queues and publishes
/// persistent messages).
/// </summary>
public class DiskQueueSemanticsTests : QueueSemanticsTests
{
    /// <summary>The window of messages kept in memory; the paged subclass makes it tiny.</summary>
    protected virtual (long Bytes, int Messages) Window => (4L * 1024 * 1024, 4096);

    /// <summary>Segment size and compaction threshold of the store; the paged subclass makes both tiny.</summary>
    protected virtual (long SegmentSize, long CompactionMinimum) Segments => (1 << 20, (1 << 20) / 4);

    private readonly TempDirectory _temp = new("tidings-qs");
    private SegmentMessageStore? _store;

    protected override Broker CreateBroker(TimeProvider time)
    {
        var broker = new Broker(new BrokerOptions
        {
            MemoryHighWatermarkBytes = 0,
            QueueWindowBytes = Window.Bytes,
            QueueWindowMessages = Window.Messages,
        }, time);
        _store = new SegmentMessageStore(_temp.Path, broker.StoreFsyncLatency, segmentSize: Segments.SegmentSize,
            compactionMinimumBytes: Segments.CompactionMinimum);
        broker.MessageStore = _store;
        return broker;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        _store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _temp.Dispose();
    }
}

/// <summary>
/// The same suite with a window of two messages and 512-byte segments compacted as soon as they
/// are mostly dead: nearly every message is paged to disk, read back, and often moved by
/// compaction, so ordering, TTL, overflow, requeue and dead-lettering are proven across both.
/// </summary>
public sealed class PagedDiskQueueSemanticsTests : DiskQueueSemanticsTests
{
    protected override (long Bytes, int Messages) Window => (1, 2);

    protected override (long SegmentSize, long CompactionMinimum) Segments => (512, 1);
}
