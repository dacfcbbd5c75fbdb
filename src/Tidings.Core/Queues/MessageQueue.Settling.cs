using Tidings.Core.Sessions;

namespace Tidings.Core.Queues;

/// <summary>Settling deliveries: ack (the entry leaves for good), requeue (back at its position), reject (dead-lettered or dropped).</summary>
public sealed partial class MessageQueue
{
    void IQueue.Settle(List<Unacked> deliveries, int start, int count)
    {
        using var scope = EnterLocked();
        if (_deleted) return;
        for (int i = start; i < start + count; i++)
        {
            var entry = deliveries[i].Entry;
            MarkBack(entry);
            Forget(entry);
            Recycle(entry);
        }
        DispatchLocked();
    }

    void IQueue.Requeue(IEnumerable<QueueEntry> entries)
    {
        using var scope = EnterLocked();
        if (_deleted) return;
        foreach (var entry in entries)
        {
            MarkBack(entry);
            entry.Redelivered = true;
            _ready.Add(entry, requeued: true);
        }
        DropExpiredHeads(NowMs);
        DispatchLocked();
        ScheduleTtlTimer();
    }

    void IQueue.Discard(QueueEntry entry)
    {
        using var scope = EnterLocked();
        if (_deleted) return;
        MarkBack(entry);
        Forget(entry);
        AddDeadLetter(entry.Message, DeadLetterReason.Rejected);
        DispatchLocked();
    }
}
