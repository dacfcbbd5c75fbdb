using System.Diagnostics;

namespace Tidings.Core.Queues;

/// <summary>
/// Holds a classic queue's lock for a <c>using</c> block. On dispose it checks the queue's
/// invariants (debug builds), takes the queue's <see cref="DeadLetterOutbox"/> while still locked,
/// releases the lock and only then re-publishes the dead letters and deletes the queue if that
/// was decided, so no queue lock is ever held while another queue is entered.
/// </summary>
internal ref struct QueueLockScope
{
    /// <summary>The queue whose lock is held.</summary>
    private readonly MessageQueue _queue;
    /// <summary>The held lock's scope.</summary>
    private Lock.Scope _scope;

    public QueueLockScope(MessageQueue queue, Lock @lock)
    {
        _queue = queue;
        _scope = @lock.EnterScope();
        _queue.ScopeDepth++;
    }

    public void Dispose()
    {
        // A sink may re-enter the queue from inside a delivery (the lock is reentrant); only the
        // outermost scope sees a finished operation and may act once the lock is really free.
        if (--_queue.ScopeDepth > 0)
        {
            _scope.Dispose();
            return;
        }
        _queue.AssertInvariants();
        var (letters, delete) = _queue.Outbox.Take();
        var waiters = _queue.TakeReadyWaiters();
        _scope.Dispose();
        Debug.Assert(!_queue.LockIsHeld, "the queue lock is released before dead letters are published");
        if (letters is not null) _queue.VirtualHost.DeadLetter(_queue, letters);
        if (waiters is not null) foreach (var waiter in waiters) waiter.TrySetResult();
        if (delete) _queue.VirtualHost.DeleteQueueInternal(_queue);
    }
}
