using System.Diagnostics;

namespace Tidings.Core.Queues;

/// <summary>
/// Settling deliveries by handle: ack (the entry leaves for good), requeue (back at its
/// position), reject (dead-lettered or dropped), or requeue after a delay.
/// </summary>
public sealed partial class MessageQueue
{
    bool IQueue.TryReadOut(DeliveryHandle handle, out QueueDelivery delivery)
    {
        using var scope = EnterLocked();
        delivery = default;
        if (_deleted || !ReferenceEquals(handle.Queue, this) || !handle.IsCurrent) return false;
        var entry = handle.Entry!;
        // Read after this lock is gone, maybe after the entry is settled and reused.
        entry.Message.Pin();
        delivery = new QueueDelivery(handle, entry.Message, entry.Redelivered, entry.DeliveryCount, entry.FirstDeliveredAtMs);
        return true;
    }

    int IQueue.Settle(ReadOnlySpan<DeliveryHandle> handles, Settlement how, TimeSpan delay)
    {
        using var scope = EnterLocked();
        if (_deleted) return 0;
        long visibleAt = how == Settlement.RequeueAfterDelay ? NowMs + (long)delay.TotalMilliseconds : 0;
        int settled = 0;
        foreach (var handle in handles)
        {
            if (!ReferenceEquals(handle.Queue, this) || !handle.IsCurrent) continue;
            var entry = handle.Entry!;
            MarkBack(entry);
            settled++;
            switch (how)
            {
                case Settlement.Ack:
                    Forget(entry);
                    Recycle(entry);
                    break;
                case Settlement.Reject:
                    Forget(entry);
                    AddDeadLetter(entry.Message, DeadLetterReason.Rejected);
                    break;
                case Settlement.Requeue:
                    entry.Redelivered = true;
                    _ready.Add(entry, requeued: true);
                    break;
                default:
                    entry.Redelivered = true;
                    Wait(entry, visibleAt);
                    break;
            }
        }
        if (how == Settlement.Requeue) DropExpiredHeads(NowMs);
        DispatchLocked();
        if (how == Settlement.Requeue) ScheduleTtlTimer();
        return settled;
    }

    /// <summary>An entry goes out with a consumer, a get in ack mode or a receive: a new episode its handle names. Lock held.</summary>
    private DeliveryHandle MarkOut(QueueEntry entry)
    {
        Debug.Assert(LockIsHeld);
        Debug.Assert(entry.State == EntryState.Ready, "only a ready entry goes out");
        _unackedCount++;
        entry.State = EntryState.Out;
        entry.DeliveryCount++;
        if (entry.GroupId is { } group) GroupOut(group);
#if DEBUG
        Debug.Assert(_outDebug.Add(entry), "an entry went out twice");
#endif
        return new DeliveryHandle(this, entry, entry.NextGeneration());
    }

    /// <summary>An entry that was out comes back or is settled; the caller says where it goes next. Lock held.</summary>
    private void MarkBack(QueueEntry entry)
    {
        Debug.Assert(LockIsHeld);
        Debug.Assert(entry.State == EntryState.Out, "only an entry that is out comes back");
        _unackedCount--;
        entry.State = EntryState.Ready;
        entry.NextGeneration();
        // Whatever ended the delivery (settled, returned, dropped), its receipt and its group's block end with it.
        if (_received.Count > 0) _received.Remove(entry.Sequence);
        if (entry.GroupId is { } group) GroupBack(group);
#if DEBUG
        Debug.Assert(_outDebug.Remove(entry), "an entry came back that was not out");
#endif
    }
}
