namespace Tidings.Sqs.Queues;

/// <summary>
/// A FIFO queue's de-duplication window: a de-duplication id seen in the last five minutes is
/// answered with the first copy's message id and sequence number and not enqueued again, even if
/// that copy was received and deleted meanwhile. Kept in memory: a restart forgets the window.
/// </summary>
public sealed class Deduplicator(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly Dictionary<string, (string MessageId, string? SequenceNumber, long ExpiresAtMs)> _seen = new(StringComparer.Ordinal);
    // Keys in the order they expire, so sweeping never scans the whole map.
    private readonly Queue<(string Key, long ExpiresAtMs)> _expiries = new();
    private readonly Lock _lock = new();

    /// <summary>The first copy's ids when <paramref name="key"/> was seen within the window; null when it is new.</summary>
    public (string MessageId, string? SequenceNumber)? Find(string key)
    {
        long now = time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_lock)
        {
            Sweep(now);
            return _seen.TryGetValue(key, out var seen) ? (seen.MessageId, seen.SequenceNumber) : null;
        }
    }

    /// <summary>Remembers a sent message under <paramref name="key"/> for the window.</summary>
    public void Remember(string key, string messageId, string? sequenceNumber)
    {
        long expires = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)Window.TotalMilliseconds;
        lock (_lock)
        {
            if (_seen.TryAdd(key, (messageId, sequenceNumber, expires))) _expiries.Enqueue((key, expires));
        }
    }

    private void Sweep(long now)
    {
        while (_expiries.TryPeek(out var next) && next.ExpiresAtMs <= now)
        {
            _expiries.Dequeue();
            if (_seen.TryGetValue(next.Key, out var seen) && seen.ExpiresAtMs == next.ExpiresAtMs) _seen.Remove(next.Key);
        }
    }
}
