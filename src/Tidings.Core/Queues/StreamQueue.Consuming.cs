using System.Diagnostics;
using Tidings.Core.Sessions;
using Tidings.Core.Storage;

namespace Tidings.Core.Queues;

/// <summary>
/// Stream consumers: each reads every message from its own offset, from the shared in-memory
/// tail while it keeps up and through its own cursor into the log while it is behind. Credit is
/// the consumer's prefetch; an ack returns credit (and stores the position of a tracked consumer),
/// it removes nothing. A delivery is a pooled <see cref="QueueEntry"/> naming the offset, so the
/// session's ledger and handles work as for any queue.
/// </summary>
public sealed partial class StreamQueue
{
    /// <summary>Consumers in registration order. Lock held.</summary>
    private readonly List<StreamConsumer> _consumers = [];
    /// <summary>Deliveries out, not yet settled. Lock held.</summary>
    private int _unackedCount;
    /// <summary>Settled delivery entries kept for reuse. Lock held.</summary>
    private readonly Stack<QueueEntry> _freeEntries = new();
    private const int MaxFreeEntries = 4096;

    void IQueue.AddConsumer(Consumer consumer, Action<Consumer>? onRegistered)
    {
        string where = $"queue '{Name}' in vhost '{VirtualHost.Name}'";
        // RabbitMQ's conditions for consuming from a stream over AMQP.
        if (consumer.NoAck)
            throw new BrokerException(BrokerError.NotImplemented, $"automatic acknowledgement not supported by stream queues {where}");
        if (consumer.PrefetchCount == 0)
        {
            if (consumer.Session.SessionPrefetch != 0)
                throw new BrokerException(BrokerError.NotImplemented, $"{where} does not support global qos");
            throw new BrokerException(BrokerError.PreconditionFailed, $"consumer prefetch count is not set for {where}");
        }
        var start = StreamStart.Parse(consumer.Arguments, NowMs);
        lock (_lock)
        {
            if (_deleted) throw BrokerException.NoQueue(Name, VirtualHost.Name);
            string? tracking = start.Tracked ? consumer.Tag : null;
            long stored = tracking is null ? -1 : _log.PositionOf(tracking);
            long next = stored >= 0 ? Math.Clamp(stored, _firstOffset, _nextOffset) : start.Resolve(_log);
            var state = new StreamConsumer(consumer, next, tracking);
            _consumers.Add(state);
            onRegistered?.Invoke(consumer);
            consumer.IsActive = true;
            DispatchTo(state);
        }
    }

    void IQueue.RemoveConsumer(Consumer consumer)
    {
        lock (_lock)
        {
            consumer.IsActive = false;
            int index = _consumers.FindIndex(c => ReferenceEquals(c.Consumer, consumer));
            if (index < 0) return;
            _consumers[index].CloseCursor();
            _consumers.RemoveAt(index);
        }
    }

    void IQueue.Dispatch()
    {
        lock (_lock) DispatchLocked();
    }

    /// <summary>Gives every consumer what its credit allows. Lock held.</summary>
    private void DispatchLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (_deleted) return;
        foreach (var consumer in _consumers) DispatchTo(consumer);
    }

    /// <summary>Delivers from the consumer's offset while it has credit and messages remain. Lock held.</summary>
    private void DispatchTo(StreamConsumer reader)
    {
        var consumer = reader.Consumer;
        while (reader.Next < _nextOffset && consumer.IsActive)
        {
            if (!consumer.TryReserve()) return;
            if (!TryRead(reader, out var read))
            {
                consumer.Release();
                return;
            }
            var entry = NewEntry(read, reader);
            var handle = MarkOut(entry);
            if (!consumer.Session.DeliverFromQueue(consumer, this, entry, handle))
            {
                // The session closed or detached: the offset is read again by whoever resumes.
                MarkBack(entry);
                Recycle(entry);
                consumer.Release();
                return;
            }
            reader.Next = read.Offset + 1;
        }
    }

    /// <summary>The message at the reader's offset (or the oldest kept after it), from the tail or the log. Lock held.</summary>
    private bool TryRead(StreamConsumer reader, out StreamEntry read)
    {
        if (reader.Next < _firstOffset) reader.Next = _firstOffset;
        if (_tail.TryGet(reader.Next, out read))
        {
            reader.CloseCursor();
            return true;
        }
        var cursor = reader.Cursor ??= _log.OpenCursor(reader.Next);
        if (cursor.Offset != reader.Next) cursor.Seek(reader.Next);
        return cursor.TryRead(out read);
    }

    int IQueue.Settle(ReadOnlySpan<DeliveryHandle> handles, Settlement how, TimeSpan delay)
    {
        lock (_lock)
        {
            if (_deleted) return 0;
            int settled = 0;
            StreamConsumer? moved = null;
            foreach (var handle in handles)
            {
                if (!ReferenceEquals(handle.Queue, this) || !handle.IsCurrent) continue;
                var entry = handle.Entry!;
                // Only an ack moves a tracked position; a nack or requeue on a stream only returns
                // the credit (RabbitMQ does not redeliver stream messages).
                if (how == Settlement.Ack && entry.StreamConsumer is StreamConsumer { TrackingName: not null } reader &&
                    entry.Sequence + 1 > reader.AckedUpTo)
                {
                    reader.AckedUpTo = entry.Sequence + 1;
                    if (moved is not null && !ReferenceEquals(moved, reader)) StorePositionOf(moved);
                    moved = reader;
                }
                MarkBack(entry);
                Recycle(entry);
                settled++;
            }
            if (moved is not null) StorePositionOf(moved);
            DispatchLocked();
            return settled;
        }
    }

    /// <summary>Writes a tracked consumer's position when its acks moved it. Lock held.</summary>
    private void StorePositionOf(StreamConsumer reader)
    {
        if (reader.StoredPosition == reader.AckedUpTo) return;
        _log.StorePosition(reader.TrackingName!, reader.AckedUpTo);
        reader.StoredPosition = reader.AckedUpTo;
    }

    bool IQueue.TryReadOut(DeliveryHandle handle, out QueueDelivery delivery)
    {
        lock (_lock)
        {
            delivery = default;
            if (_deleted || !ReferenceEquals(handle.Queue, this) || !handle.IsCurrent) return false;
            var entry = handle.Entry!;
            entry.Message.Pin();
            delivery = new QueueDelivery(handle, entry.Message, entry.Redelivered, entry.DeliveryCount, 0);
            return true;
        }
    }

    // ---- delivery entries (lock held) ----

    private QueueEntry NewEntry(in StreamEntry read, StreamConsumer reader)
    {
        if (_freeEntries.TryPop(out var entry)) entry.Reset(read.Message, read.Offset, long.MaxValue, 0);
        else entry = new QueueEntry(read.Message, read.Offset, long.MaxValue, 0);
        entry.StreamConsumer = reader;
        return entry;
    }

    private void Recycle(QueueEntry entry)
    {
        entry.Clear();
        entry.StreamConsumer = null;
        if (_freeEntries.Count < MaxFreeEntries) _freeEntries.Push(entry);
    }

    private DeliveryHandle MarkOut(QueueEntry entry)
    {
        _unackedCount++;
        entry.State = EntryState.Out;
        entry.DeliveryCount++;
        return new DeliveryHandle(this, entry, entry.NextGeneration());
    }

    private void MarkBack(QueueEntry entry)
    {
        _unackedCount--;
        entry.State = EntryState.Ready;
        entry.NextGeneration();
    }
}
