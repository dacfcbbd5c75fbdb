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

    /// <summary>Where the entry is: ready, out with a consumer or receiver, or waiting to become ready.</summary>
    public EntryState State { get; set; }

    /// <summary>How many times the entry has gone out (RabbitMQ's x-delivery-count counts the returns: this minus one).</summary>
    public int DeliveryCount { get; set; }

    /// <summary>When a connectionless receive first took the entry (Unix ms); 0 before (consumer deliveries do not stamp it).</summary>
    public long FirstDeliveredAtMs { get; set; }

    /// <summary>The message group (x-message-group-id) on a queue with x-message-groups; null elsewhere and for messages without one.</summary>
    public string? GroupId { get; set; }

    /// <summary>
    /// Bumped whenever the entry starts a new episode (goes out, starts waiting, is reused), so a
    /// <see cref="DeliveryHandle"/> or timer item from an earlier episode is recognised as stale.
    /// Never reset: a recycled entry keeps counting.
    /// </summary>
    public uint Generation { get; private set; }

    /// <summary>A stream delivery's consumer state (<see cref="StreamQueue"/>); null on other queues.</summary>
    public object? StreamConsumer { get; set; }

    /// <summary>While waiting or out on a visibility timeout: when it becomes ready again (Unix ms).</summary>
    public long VisibleAtMs { get; set; }

    /// <summary>Starts a new episode; returns its generation.</summary>
    public uint NextGeneration() => ++Generation;

    /// <summary>Makes a recycled entry stand for a new message.</summary>
    public void Reset(Message message, long sequence, long expiresAtMs, byte priority)
    {
        Message = message;
        Sequence = sequence;
        ExpiresAtMs = expiresAtMs;
        Priority = priority;
        Stored = null;
        Redelivered = false;
        State = EntryState.Ready;
        DeliveryCount = 0;
        FirstDeliveredAtMs = 0;
        GroupId = null;
        StreamConsumer = null;
        VisibleAtMs = 0;
        Generation++;
    }

    /// <summary>Lets go of the message once the entry is done with it.</summary>
    public void Clear() => Message = null!;
}
