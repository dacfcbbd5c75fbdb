using Tidings.Core.Sessions;
using Tidings.Core.Storage;

namespace Tidings.Core.Queues;

/// <summary>
/// A consumer's place in a stream: the next offset it reads, its cursor into the log while it
/// reads older messages than the in-memory tail holds, and the name its position is stored under
/// when the broker tracks it. Guarded by the stream's lock.
/// </summary>
internal sealed class StreamConsumer(Consumer consumer, long next, string? trackingName)
{
    public Consumer Consumer { get; } = consumer;

    /// <summary>The offset the next delivery reads.</summary>
    public long Next { get; set; } = next;

    /// <summary>Open while the consumer reads behind the tail; disposed once it catches up.</summary>
    public IStreamCursor? Cursor { get; set; }

    /// <summary>The stored position's name (the consumer tag) when the broker tracks it; null otherwise.</summary>
    public string? TrackingName { get; } = trackingName;

    /// <summary>One past the highest offset acked; stored as the position when tracked.</summary>
    public long AckedUpTo { get; set; } = next;

    /// <summary>The position last written to the log, so an ack that moves nothing writes nothing.</summary>
    public long StoredPosition { get; set; } = -1;

    public void CloseCursor()
    {
        Cursor?.Dispose();
        Cursor = null;
    }
}
