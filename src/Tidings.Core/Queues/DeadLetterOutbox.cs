using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>
/// What a queue decided under its lock and does after it ("decide under the lock, act after it",
/// as System.Threading.Channels' BoundedChannel does): dead letters to re-publish, and whether the
/// queue deletes itself. Acting under the lock could take a second queue's lock (dead-lettering
/// into a queue that dead-letters back), so only <see cref="QueueLockScope"/> empties it, after
/// the lock is released. Not thread-safe: the queue's lock guards it.
/// </summary>
internal sealed class DeadLetterOutbox
{
    /// <summary>Dead letters collected under the lock; null while there are none (the common case allocates nothing).</summary>
    private List<DeadLetter>? _letters;

    /// <summary>Set under the lock when the queue must be deleted (auto-delete, x-expires) once the lock is gone.</summary>
    public bool DeleteQueue { get; set; }

    /// <summary>Collects a message leaving the queue towards its dead-letter exchange.</summary>
    public void Add(Message message, DeadLetterReason reason) => (_letters ??= []).Add(new DeadLetter(message, reason));

    /// <summary>Takes what was collected, leaving the outbox empty (called under the lock).</summary>
    public (List<DeadLetter>? Letters, bool DeleteQueue) Take()
    {
        var taken = (_letters, DeleteQueue);
        _letters = null;
        DeleteQueue = false;
        return taken;
    }
}
