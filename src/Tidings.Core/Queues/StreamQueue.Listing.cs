namespace Tidings.Core.Queues;

/// <summary>What management shows of a stream beyond the queue face: where its live consumers read.</summary>
public sealed partial class StreamQueue
{
    /// <summary>
    /// A snapshot of the live consumers' places: each one's tag, the offset its next delivery
    /// reads, the offset past its highest ack, and the name its position is stored under when the
    /// broker tracks it (null otherwise).
    /// </summary>
    public IReadOnlyList<StreamConsumerOffset> ConsumerOffsets
    {
        get
        {
            lock (_lock)
            {
                var offsets = new StreamConsumerOffset[_consumers.Count];
                for (int i = 0; i < offsets.Length; i++)
                {
                    var c = _consumers[i];
                    offsets[i] = new StreamConsumerOffset(c.Consumer.Tag, c.Next, c.AckedUpTo, c.TrackingName);
                }
                return offsets;
            }
        }
    }
}

/// <summary>One live stream consumer's place (see <see cref="StreamQueue.ConsumerOffsets"/>).</summary>
/// <param name="ConsumerTag">The consumer's tag.</param>
/// <param name="NextOffset">The offset its next delivery reads.</param>
/// <param name="AckedUpTo">One past the highest offset it acknowledged.</param>
/// <param name="TrackingName">The stored position's name when the broker tracks it; null otherwise.</param>
public readonly record struct StreamConsumerOffset(string ConsumerTag, long NextOffset, long AckedUpTo, string? TrackingName);
