using System.Diagnostics;
using Tidings.Core.Sessions;

namespace Tidings.Core.Queues;

/// <summary>Consumers and deliveries: registration, dispatch of ready messages to consumers with credit, basic.get.</summary>
public sealed partial class MessageQueue
{
    void IQueue.AddConsumer(Consumer consumer, Action<Consumer>? onRegistered)
    {
        using var scope = EnterLocked();
        if (_deleted) throw BrokerException.NoQueue(Name, VirtualHost.Name);
        if (_consumers.Count > 0 && (consumer.Exclusive || _consumers.HasExclusive))
            throw new BrokerException(BrokerError.AccessRefused, $"queue '{Name}' in vhost '{VirtualHost.Name}' in exclusive use");
        _consumers.Add(consumer);
        _hadConsumer = true;
        Touch();
        onRegistered?.Invoke(consumer);
        consumer.IsActive = true;
        DispatchLocked();
    }

    void IQueue.RemoveConsumer(Consumer consumer)
    {
        using var scope = EnterLocked();
        consumer.IsActive = false;
        if (!_consumers.Remove(consumer)) return;
        Outbox.DeleteQueue = AutoDelete && _hadConsumer && _consumers.Count == 0 && !_deleted;
        Touch();
        // With single-active-consumer the next registered consumer takes over here.
        DispatchLocked();
    }

    bool IQueue.TryTake(bool noAck, out QueueDelivery delivery, out int remaining)
    {
        using var scope = EnterLocked();
        delivery = default;
        Touch();
        DropExpiredHeads(NowMs);
        bool taken = _ready.Count > 0;
        if (taken)
        {
            var entry = _ready.RemoveHead();
            // basic.get's caller reads the message after this lock is gone (and may ack first).
            entry.Message.Pin();
            DeliveryHandle handle = default;
            if (!noAck) handle = MarkOut(entry);
            else
            {
                entry.DeliveryCount++;
                Forget(entry);
            }
            delivery = new QueueDelivery(handle, entry.Message, entry.Redelivered, entry.DeliveryCount, entry.FirstDeliveredAtMs);
        }
        remaining = _ready.Count;
        ScheduleTtlTimer();
        return taken;
    }

    void IQueue.Dispatch()
    {
        using var scope = EnterLocked();
        if (_ready.Count == 0 || _consumers.Count == 0) return;
        DropExpiredHeads(NowMs);
        DispatchLocked();
        ScheduleTtlTimer();
    }

    /// <summary>Delivers ready messages while a consumer has credit; expired heads met on the way are dropped. Lock held.</summary>
    private void DispatchLocked()
    {
        Debug.Assert(LockIsHeld);
        long now = -1;
        while (_ready.Count > 0 && _consumers.Count > 0)
        {
            var head = _ready.PeekHead();
            if (head.ExpiresAtMs != long.MaxValue)
            {
                if (now < 0) now = NowMs;
                if (IsExpired(head, now))
                {
                    DropExpiredHeads(now);
                    continue;
                }
            }
            var consumer = _consumers.Pick(Settings.SingleActiveConsumer);
            if (consumer is null) return;
            var entry = _ready.RemoveHead();
            if (!TryDeliver(consumer, entry))
            {
                // The session closed under us, or the delivery failed and stopped the consumer
                // (it is inactive now, so it is not picked again): the message goes back
                // untouched and the next consumer gets it.
                _ready.Add(entry, requeued: true);
            }
        }
    }

    /// <summary>Hands a just-published entry to a consumer with credit; false when none can take it. Lock held.</summary>
    private bool TryDeliverFresh(QueueEntry entry)
    {
        if (_consumers.Count == 0) return false;
        var consumer = _consumers.Pick(Settings.SingleActiveConsumer);
        return consumer is not null && TryDeliver(consumer, entry);
    }

    /// <summary>
    /// Gives <paramref name="entry"/> to <paramref name="consumer"/>, whose credit is reserved.
    /// On failure the credit is returned and the entry is the caller's again. Lock held.
    /// </summary>
    private bool TryDeliver(Consumer consumer, QueueEntry entry)
    {
        Debug.Assert(LockIsHeld);
        DeliveryHandle handle = default;
        if (!consumer.NoAck) handle = MarkOut(entry);
        else entry.DeliveryCount++;
        if (!consumer.Session.DeliverFromQueue(consumer, this, entry, handle))
        {
            if (!consumer.NoAck) MarkBack(entry);
            entry.DeliveryCount--; // it never reached anyone
            consumer.Release();
            return false;
        }
        if (consumer.NoAck)
        {
            Forget(entry);
            Recycle(entry);
        }
        return true;
    }
}
