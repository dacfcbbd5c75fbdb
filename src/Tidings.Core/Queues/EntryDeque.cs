namespace Tidings.Core.Queues;

/// <summary>
/// Ready entries of one priority level, kept in sequence order in a growable ring buffer.
/// New entries append at the tail; requeued entries are inserted back at their original
/// position (usually near the head, so the shift is short). Not thread-safe.
/// </summary>
internal sealed class EntryDeque
{
    private QueueEntry?[] _items = new QueueEntry?[16];
    private int _head;

    public int Count { get; private set; }

    public QueueEntry PeekFirst() => _items[_head]!;

    public QueueEntry this[int index] => _items[(_head + index) & (_items.Length - 1)]!;

    public void Append(QueueEntry entry)
    {
        if (Count == _items.Length) Grow();
        _items[(_head + Count) & (_items.Length - 1)] = entry;
        Count++;
    }

    /// <summary>Inserts keeping sequence order (entries requeued after being delivered).</summary>
    public void InsertInOrder(QueueEntry entry)
    {
        if (Count == 0 || this[Count - 1].Sequence < entry.Sequence)
        {
            Append(entry);
            return;
        }
        if (Count == _items.Length) Grow();
        int position = LowerBound(entry.Sequence);
        // Shift the entries before the insert point one slot towards the head.
        int mask = _items.Length - 1;
        _head = (_head - 1) & mask;
        for (int i = 0; i < position; i++) _items[(_head + i) & mask] = _items[(_head + i + 1) & mask];
        _items[(_head + position) & mask] = entry;
        Count++;
    }

    public QueueEntry RemoveFirst()
    {
        var entry = _items[_head]!;
        _items[_head] = null;
        _head = (_head + 1) & (_items.Length - 1);
        Count--;
        return entry;
    }

    /// <summary>
    /// Removes, in order, up to <paramref name="max"/> entries that <paramref name="pick"/> accepts
    /// among the first <paramref name="scanLimit"/> (reduced by how many were looked at) into
    /// <paramref name="into"/>; the others keep their order. One pass over the scanned prefix:
    /// the kept entries close up towards the tail, so nothing behind the prefix moves.
    /// </summary>
    public int TakeWhere(Predicate<QueueEntry> pick, int max, ref int scanLimit, List<QueueEntry> into)
    {
        int mask = _items.Length - 1;
        int scan = Math.Min(Count, scanLimit);
        int kept = 0, taken = 0, i = 0;
        for (; i < scan && taken < max; i++)
        {
            var entry = this[i];
            if (pick(entry))
            {
                into.Add(entry);
                taken++;
            }
            else _items[(_head + kept++) & mask] = entry;
        }
        scanLimit -= i;
        if (taken == 0) return 0;
        // Slots [0, kept) hold the kept entries; they move to [taken, i), just before the unscanned rest.
        for (int j = kept - 1; j >= 0; j--) _items[(_head + j + taken) & mask] = _items[(_head + j) & mask];
        for (int j = 0; j < taken; j++) _items[(_head + j) & mask] = null;
        _head = (_head + taken) & mask;
        Count -= taken;
        return taken;
    }

    public void Clear()
    {
        Array.Clear(_items);
        _head = 0;
        Count = 0;
    }

    private int LowerBound(long sequence)
    {
        int lo = 0, hi = Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (this[mid].Sequence < sequence) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    private void Grow()
    {
        var bigger = new QueueEntry?[_items.Length * 2];
        for (int i = 0; i < Count; i++) bigger[i] = this[i];
        _items = bigger;
        _head = 0;
    }
}
