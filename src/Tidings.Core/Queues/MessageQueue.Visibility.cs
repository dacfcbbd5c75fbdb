using System.Diagnostics;

namespace Tidings.Core.Queues;

/// <summary>
/// Entries that are not deliverable yet, and deliveries that come back on their own: a delivery
/// delay (enqueued now, deliverable from T: SQS DelaySeconds), "requeue after a delay" and the
/// visibility timeout of a connectionless receive (SQS ReceiveMessage, the REST get). One heap
/// ordered by due time, one timer for its earliest item. Heap items carry the entry's generation,
/// so an item whose entry moved on (settled, redelivered, reused) is dropped when it comes due.
/// </summary>
public sealed partial class MessageQueue
{
    /// <summary>Waiting entries and receive visibility deadlines, by due time (Unix ms); stale items are skipped lazily. Lock held.</summary>
    private readonly PriorityQueue<(QueueEntry Entry, uint Generation), long> _waiting = new();
    /// <summary>Entries in state <see cref="EntryState.Waiting"/> (the rest of the heap are receive deadlines or stale). Lock held.</summary>
    private int _waitingCount;
    /// <summary>Fires when the earliest heap item is due; created on first need. Lock held.</summary>
    private ITimer? _visibilityTimer;
    /// <summary>When <see cref="_visibilityTimer"/> is due (Unix ms; long.MaxValue = not armed). Lock held.</summary>
    private long _visibilityTimerDueMs = long.MaxValue;
    /// <summary>Long-polling receivers waiting for a ready message; completed after the lock by <see cref="QueueLockScope"/>. Lock held.</summary>
    private List<TaskCompletionSource>? _readyWaiters;

    /// <summary>Entries waiting to become deliverable (delivery delay, requeue after a delay).</summary>
    public int WaitingCount { get { lock (_lock) return _waitingCount; } }

    /// <summary>Long-polling receivers waiting for a ready message (for tests and diagnostics).</summary>
    public int ReceiversWaiting { get { lock (_lock) return _readyWaiters?.Count ?? 0; } }

    /// <inheritdoc />
    public int DelayedCount => WaitingCount;

    int IQueue.Receive(int max, long visibleAgainAtMs, List<QueueDelivery> into)
    {
        using var scope = EnterLocked();
        if (_deleted) return 0;
        Touch();
        // One clock read per receive: the expiry sweep, the group scan and first-receive stamps share it.
        long now = NowMs;
        // Deliveries whose visibility passed come back now, not when the timer gets round to it:
        // with a visibility timeout of 0 the next receive must see the message again (SQS).
        ReleaseDue(now);
        DropExpiredHeads(now);
        int taken = 0;
        if (Settings.MessageGroups) taken = ReceiveGrouped(max, visibleAgainAtMs, now, into);
        else
        {
            while (taken < max && _ready.Count > 0)
            {
                HandOut(_ready.RemoveHead(), visibleAgainAtMs, now, into);
                taken++;
            }
        }
        ScheduleTtlTimer();
        ScheduleVisibilityTimer();
        return taken;
    }

    /// <summary>
    /// A received entry goes out until <paramref name="visibleAgainAtMs"/>, indexed by its receipt.
    /// Its first receive is stamped here, not at every delivery: only receivers ask for it (SQS
    /// ApproximateFirstReceiveTimestamp), so consumers' deliveries read no clock for it. Lock held.
    /// </summary>
    private void HandOut(QueueEntry entry, long visibleAgainAtMs, long nowMs, List<QueueDelivery> into)
    {
        Debug.Assert(LockIsHeld);
        // The receiver reads the message after this lock is gone, maybe after it was settled.
        entry.Message.Pin();
        var handle = MarkOut(entry);
        if (entry.FirstDeliveredAtMs == 0) entry.FirstDeliveredAtMs = nowMs;
        _received.Add(entry.Sequence, entry);
        entry.VisibleAtMs = visibleAgainAtMs;
        _waiting.Enqueue((entry, handle.Generation), visibleAgainAtMs);
        into.Add(new QueueDelivery(handle, entry.Message, entry.Redelivered, entry.DeliveryCount, entry.FirstDeliveredAtMs));
    }

    Task IQueue.WhenReadyAsync(CancellationToken cancellation)
    {
        TaskCompletionSource waiter;
        lock (_lock)
        {
            if (HasReceivable() || _deleted) return Task.CompletedTask;
            // Completed outside the lock and never inline, so the receiver's continuation cannot run under it.
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (_readyWaiters ??= []).Add(waiter);
        }
        return WaitAsync(waiter, cancellation);
    }

    /// <summary>Waits for <paramref name="waiter"/>; a cancelled wait leaves the list, so idle long polls do not pile up.</summary>
    private async Task WaitAsync(TaskCompletionSource waiter, CancellationToken cancellation)
    {
        await using var registration = cancellation.Register(static state =>
        {
            var (queue, waiter) = ((MessageQueue, TaskCompletionSource))state!;
            lock (queue._lock) queue._readyWaiters?.Remove(waiter);
            waiter.TrySetCanceled();
        }, (this, waiter)).ConfigureAwait(false);
        await waiter.Task.ConfigureAwait(false);
    }

    /// <summary>Takes the long-polling waiters to wake when ready messages remain at the end of an operation. Lock held.</summary>
    internal List<TaskCompletionSource>? TakeReadyWaiters()
    {
        if (_readyWaiters is null || (_ready.Count == 0 && !_deleted)) return null;
        var waiters = _readyWaiters;
        _readyWaiters = null;
        return waiters;
    }

    /// <summary>Makes <paramref name="entry"/> wait until <paramref name="visibleAtMs"/> before it is ready. Lock held.</summary>
    private void Wait(QueueEntry entry, long visibleAtMs)
    {
        Debug.Assert(LockIsHeld);
        entry.State = EntryState.Waiting;
        entry.VisibleAtMs = visibleAtMs;
        _waiting.Enqueue((entry, entry.NextGeneration()), visibleAtMs);
        _waitingCount++;
        ScheduleVisibilityTimer();
    }

    /// <summary>Empties the heap (purge, delete); with <paramref name="forget"/> waiting entries leave the durable log. Lock held.</summary>
    private void ClearWaiting(bool forget)
    {
        while (_waiting.TryDequeue(out var item, out _))
        {
            if (item.Entry.Generation != item.Generation || item.Entry.State != EntryState.Waiting) continue;
            if (forget) Forget(item.Entry);
            item.Entry.State = EntryState.Ready;
        }
        _waitingCount = 0;
    }

    /// <summary>Moves the due items back to the ready list: waiting entries, and receives whose visibility timeout passed. Lock held.</summary>
    private void ReleaseDue(long now)
    {
        Debug.Assert(LockIsHeld);
        while (_waiting.TryPeek(out var item, out long due) && due <= now)
        {
            _waiting.Dequeue();
            var entry = item.Entry;
            if (entry.Generation != item.Generation) continue; // stale: the entry moved on
            if (entry.State == EntryState.Waiting)
            {
                _waitingCount--;
                entry.State = EntryState.Ready;
            }
            else if (entry.State == EntryState.Out)
            {
                // An item from before the deadline was extended (ChangeVisibility): the later one stands.
                if (due < entry.VisibleAtMs) continue;
                // Not settled in time: back to the queue, redelivered, and its old handle is stale now.
                MarkBack(entry);
                entry.Redelivered = true;
            }
            else continue;
            _ready.Add(entry, requeued: true);
        }
    }

    private void ScheduleVisibilityTimer()
    {
        if (!_waiting.TryPeek(out _, out long due) || due >= _visibilityTimerDueMs) return;
        _visibilityTimerDueMs = due;
        _visibilityTimer ??= VirtualHost.Broker.Time.CreateTimer(static s => ((MessageQueue)s!).OnVisibilityTimer(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _visibilityTimer.Change(TimerDelay(due - NowMs), Timeout.InfiniteTimeSpan);
    }

    /// <summary>A timer thread's entry: a fault is reported and retried a second later, never thrown into the timer.</summary>
    private void OnVisibilityTimer()
    {
        try
        {
            using var scope = EnterLocked();
            if (_deleted) return;
            _visibilityTimerDueMs = long.MaxValue;
            long now = NowMs;
            ReleaseDue(now);
            DropExpiredHeads(now);
            DispatchLocked();
            ScheduleTtlTimer();
            ScheduleVisibilityTimer();
        }
        catch (Exception e)
        {
            VirtualHost.Broker.Faults.Report(FaultSite("visibility timer"), e);
            RetryLater(_visibilityTimer, ref _visibilityTimerDueMs, "visibility timer retry");
        }
    }
}
