using Tidings.Core.Queues;

namespace Tidings.Core.Sessions;

/// <summary>A delivery awaiting its ack: its handle at the queue, and the consumer whose credit it holds.</summary>
internal readonly record struct Unacked(DeliveryHandle Handle, Consumer? Consumer)
{
    /// <summary>The queue the delivery came from.</summary>
    public IQueue Queue => Handle.Queue!;
}

/// <summary>
/// A session's deliveries awaiting ack, in delivery-tag order. Tags only grow, so the ledger is
/// a ring buffer appended at the tail: a multiple ack pops from the head, a single ack finds its
/// tag by binary search and leaves a hole that the head skips later. Nothing allocates once
/// the ring has grown to the session's prefetch. Not thread-safe: the session's lock guards it.
/// </summary>
internal sealed class UnackedLedger
{
    private struct Slot
    {
        public ulong Tag;
        /// <summary>Empty once settled out of order (a hole).</summary>
        public DeliveryHandle Handle;
        public Consumer? Consumer;
    }

    /// <summary>Ring of slots; length is a power of two (empty until the first delivery, so idle sessions cost nothing).</summary>
    private Slot[] _slots = [];
    /// <summary>Index of the oldest slot (live or hole).</summary>
    private int _head;
    /// <summary>Slots in use, holes included.</summary>
    private int _span;

    /// <summary>Deliveries awaiting ack.</summary>
    public int Count { get; private set; }

    /// <summary>Records a delivery; <paramref name="tag"/> must be larger than every tag recorded before.</summary>
    public void Add(ulong tag, DeliveryHandle handle, Consumer? consumer)
    {
        if (_span == _slots.Length) Grow();
        ref var slot = ref _slots[(_head + _span) & (_slots.Length - 1)];
        slot.Tag = tag;
        slot.Handle = handle;
        slot.Consumer = consumer;
        _span++;
        Count++;
    }

    /// <summary>Removes the delivery with exactly this tag; false when it is not awaiting ack.</summary>
    public bool TryRemove(ulong tag, out Unacked removed)
    {
        int index = Find(tag);
        if (index < 0)
        {
            removed = default;
            return false;
        }
        ref var slot = ref _slots[(_head + index) & (_slots.Length - 1)];
        removed = new Unacked(slot.Handle, slot.Consumer);
        slot.Handle = default;
        slot.Consumer = null;
        Count--;
        TrimHoles();
        return true;
    }

    /// <summary>Moves every delivery with a tag up to <paramref name="tag"/> (all when 0) into <paramref name="into"/>, oldest first.</summary>
    public void TakeUpTo(ulong tag, List<Unacked> into)
    {
        int mask = _slots.Length - 1;
        while (_span > 0)
        {
            ref var slot = ref _slots[_head];
            if (tag != 0 && slot.Tag > tag) break;
            if (!slot.Handle.IsEmpty)
            {
                into.Add(new Unacked(slot.Handle, slot.Consumer));
                Count--;
            }
            slot = default;
            _head = (_head + 1) & mask;
            _span--;
        }
    }

    /// <summary>Adds every delivery awaiting ack to <paramref name="into"/> with its tag, oldest first (nothing is removed).</summary>
    public void CopyTo(List<(ulong Tag, Unacked Delivery)> into)
    {
        int mask = _slots.Length - 1;
        for (int i = 0; i < _span; i++)
        {
            ref var slot = ref _slots[(_head + i) & mask];
            if (!slot.Handle.IsEmpty) into.Add((slot.Tag, new Unacked(slot.Handle, slot.Consumer)));
        }
    }

    /// <summary>True when a delivery with this tag awaits ack.</summary>
    public bool Contains(ulong tag) => Find(tag) >= 0;

    /// <summary>Position (from the head) of the live slot with this tag, or -1.</summary>
    private int Find(ulong tag)
    {
        int mask = _slots.Length - 1;
        int lo = 0, hi = _span - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            ref var slot = ref _slots[(_head + mid) & mask];
            if (slot.Tag == tag) return slot.Handle.IsEmpty ? -1 : mid;
            if (slot.Tag < tag) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>Drops holes at the head so they do not pile up when acks come out of order.</summary>
    private void TrimHoles()
    {
        int mask = _slots.Length - 1;
        while (_span > 0 && _slots[_head].Handle.IsEmpty)
        {
            _slots[_head] = default;
            _head = (_head + 1) & mask;
            _span--;
        }
        if (_span == 0) _head = 0;
    }

    private void Grow()
    {
        // Holes in the middle count towards the span; compacting them first keeps the ring from
        // growing without bound when one early delivery stays unacked while later ones are acked.
        var bigger = new Slot[Count * 2 >= _slots.Length ? Math.Max(16, _slots.Length * 2) : _slots.Length];
        int mask = _slots.Length - 1;
        int n = 0;
        for (int i = 0; i < _span; i++)
        {
            ref var slot = ref _slots[(_head + i) & mask];
            if (!slot.Handle.IsEmpty) bigger[n++] = slot;
        }
        _slots = bigger;
        _head = 0;
        _span = n;
    }
}
