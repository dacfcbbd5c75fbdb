using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>A message's place in one queue: its order, expiry and delivery history there.</summary>
internal sealed class QueueEntry(Message message, long sequence, long expiresAtMs, byte priority)
{
    public Message Message { get; } = message;

    /// <summary>Position in the queue; requeued entries go back to this position.</summary>
    public long Sequence { get; } = sequence;

    /// <summary>Unix time in ms after which the entry is dead; long.MaxValue when it never expires.</summary>
    public long ExpiresAtMs { get; } = expiresAtMs;

    /// <summary>Effective priority (capped at the queue's x-max-priority).</summary>
    public byte Priority { get; } = priority;

    /// <summary>The message's handle in the queue's durable log; null when it lives in memory only.</summary>
    public Storage.StoredMessage? Stored { get; set; }

    /// <summary>Set once the entry has been delivered and requeued.</summary>
    public bool Redelivered { get; set; }
}
