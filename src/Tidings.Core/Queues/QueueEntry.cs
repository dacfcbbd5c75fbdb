using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>
/// A message's place in one queue: its order, expiry and delivery history there. The queue
/// reuses entries once acked (see <see cref="MessageQueue"/>), so nothing outside the queue and
/// the session's unacked ledger keeps one.
/// </summary>
internal sealed class QueueEntry(Message message, long sequence, long expiresAtMs, byte priority)
{
    public Message Message { get; private set; } = message;

    /// <summary>Position in the queue; requeued entries go back to this position.</summary>
    public long Sequence { get; private set; } = sequence;

    /// <summary>Unix time in ms after which the entry is dead; long.MaxValue when it never expires.</summary>
    public long ExpiresAtMs { get; private set; } = expiresAtMs;

    /// <summary>Effective priority (capped at the queue's x-max-priority).</summary>
    public byte Priority { get; private set; } = priority;

    /// <summary>The message's handle in the queue's durable log; null when it lives in memory only.</summary>
    public Storage.StoredMessage? Stored { get; set; }

    /// <summary>Set once the entry has been delivered and requeued.</summary>
    public bool Redelivered { get; set; }

    /// <summary>Makes a recycled entry stand for a new message.</summary>
    public void Reset(Message message, long sequence, long expiresAtMs, byte priority)
    {
        Message = message;
        Sequence = sequence;
        ExpiresAtMs = expiresAtMs;
        Priority = priority;
        Stored = null;
        Redelivered = false;
    }

    /// <summary>Lets go of the message once the entry is done with it.</summary>
    public void Clear() => Message = null!;
}
