using Tidings.Core.Storage;

namespace Tidings.Core.Queues;

/// <summary>
/// The newest messages of a stream, kept in memory as one shared object each, so consumers that
/// keep up read them without going to the log (no decode, no copy per consumer). A ring bounded
/// by count and bytes; older offsets are read from the log by each consumer's cursor.
/// Not thread-safe: the stream's lock guards it.
/// </summary>
internal sealed class StreamTail(int capacity, long maxBytes)
{
    private readonly StreamEntry[] _ring = new StreamEntry[capacity];
    /// <summary>Offset of the oldest entry held; equal to <see cref="_end"/> when empty.</summary>
    private long _start;
    /// <summary>One past the newest entry's offset.</summary>
    private long _end;
    private long _bytes;

    /// <summary>How many messages the tail holds.</summary>
    public int Count => (int)(_end - _start);

    /// <summary>Starts the tail empty at <paramref name="offset"/> (the log's next offset at open).</summary>
    public void Reset(long offset)
    {
        Array.Clear(_ring);
        _start = _end = offset;
        _bytes = 0;
    }

    /// <summary>Adds the entry just appended (its offset is the tail's end).</summary>
    public void Add(in StreamEntry entry)
    {
        if (entry.Offset != _end) Reset(entry.Offset);
        if (Count == _ring.Length) DropOldest();
        _ring[entry.Offset % _ring.Length] = entry;
        _end = entry.Offset + 1;
        _bytes += entry.Message.Size;
        while (_bytes > maxBytes && Count > 1) DropOldest();
    }

    /// <summary>The entry at <paramref name="offset"/> when the tail holds it.</summary>
    public bool TryGet(long offset, out StreamEntry entry)
    {
        if (offset < _start || offset >= _end)
        {
            entry = default;
            return false;
        }
        entry = _ring[offset % _ring.Length];
        return true;
    }

    /// <summary>Forgets entries before <paramref name="offset"/> (retention deleted them from the log).</summary>
    public void DropBefore(long offset)
    {
        while (_start < offset && Count > 0) DropOldest();
        if (_start < offset) _start = _end = offset;
    }

    private void DropOldest()
    {
        ref var slot = ref _ring[_start % _ring.Length];
        _bytes -= slot.Message.Size;
        slot = default;
        _start++;
    }
}
