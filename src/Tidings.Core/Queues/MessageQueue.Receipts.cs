using System.Diagnostics;

namespace Tidings.Core.Queues;

/// <summary>
/// Receipts of connectionless receives: a request/response client (SQS) holds only a
/// <see cref="DeliveryToken"/>, so the queue keeps an index from position to entry of the
/// deliveries out with receivers, and lets a receiver move a delivery's visibility deadline
/// (SQS ChangeMessageVisibility) without a new handle. The index is kept at the two
/// chokepoints: <see cref="IQueue.Receive"/> adds right after <see cref="MarkOut"/>, <see cref="MarkBack"/>
/// removes whatever ended the delivery, so it never holds an entry that is not out.
/// </summary>
public sealed partial class MessageQueue
{
    /// <summary>Entries out via a connectionless receive, by <see cref="QueueEntry.Sequence"/>. Lock held.</summary>
    private readonly Dictionary<long, QueueEntry> _received = [];

    bool IQueue.TryFindDelivery(DeliveryToken token, out DeliveryHandle handle)
    {
        lock (_lock)
        {
            handle = default;
            if (_deleted || !_received.TryGetValue(token.Position, out var entry) || entry.Generation != token.Generation)
                return false;
            Debug.Assert(entry.State == EntryState.Out, "an indexed receipt is out");
            handle = new DeliveryHandle(this, entry, token.Generation);
            return true;
        }
    }

    int IQueue.ChangeVisibility(ReadOnlySpan<DeliveryHandle> handles, TimeSpan visibilityTimeout)
    {
        using var scope = EnterLocked();
        if (_deleted) return 0;
        long now = NowMs;
        long visibleAt = now + Math.Max(0, (long)visibilityTimeout.TotalMilliseconds);
        int changed = 0;
        bool released = false;
        foreach (var handle in handles)
        {
            if (!ReferenceEquals(handle.Queue, this) || !handle.IsCurrent) continue;
            var entry = handle.Entry!;
            // Consumer and basic.get deliveries have no visibility deadline to move.
            if (!_received.TryGetValue(entry.Sequence, out var received) || !ReferenceEquals(received, entry)) continue;
            changed++;
            if (visibleAt <= now)
            {
                // Visible now: as if its timeout had passed (redelivered, the handle stale).
                MarkBack(entry);
                entry.Redelivered = true;
                _ready.Add(entry, requeued: true);
                released = true;
                continue;
            }
            // Same generation, so the handle stays valid; the older heap item is ignored when it
            // comes due before VisibleAtMs (extended) or finds the generation moved on (shortened, released).
            entry.VisibleAtMs = visibleAt;
            _waiting.Enqueue((entry, handle.Generation), visibleAt);
        }
        if (released)
        {
            DropExpiredHeads(now);
            DispatchLocked();
            ScheduleTtlTimer();
        }
        ScheduleVisibilityTimer();
        return changed;
    }

    /// <summary>Purge: deliveries out with connectionless receivers are dropped too, their handles stale. Lock held.</summary>
    private void DropReceived()
    {
        Debug.Assert(LockIsHeld);
        if (_received.Count == 0) return;
        foreach (var entry in _received.Values.ToArray())
        {
            MarkBack(entry);
            Forget(entry);
        }
        Debug.Assert(_received.Count == 0, "every dropped receipt left the index");
    }
}
