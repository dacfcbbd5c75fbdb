using Tidings.Core;
using Tidings.Core.Tests.QueueSemantics;

namespace Tidings.Storage.Tests;

/// <summary>
/// The core's queue-semantics suite, unchanged, against brokers whose durable queues keep their
/// persistent messages in the segment store (every test declares durable queues and publishes
/// persistent messages).
/// </summary>
public sealed class DiskQueueSemanticsTests : QueueSemanticsTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tidings-qs-" + Guid.NewGuid().ToString("N"));
    private SegmentMessageStore? _store;

    protected override Broker CreateBroker(TimeProvider time)
    {
        var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0 }, time);
        _store = new SegmentMessageStore(_directory, broker.StoreFsyncLatency, segmentSize: 1 << 20);
        broker.MessageStore = _store;
        return broker;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        _store?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
