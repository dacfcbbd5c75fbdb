using Tidings.Core.Messages;

namespace Tidings.Core.Storage;

/// <summary>
/// A stream log kept in memory, for a broker without a <see cref="IStreamStore"/> (tests, the
/// embedded library without a data directory). It keeps the segment model of the disk store, so
/// retention behaves the same: whole segments of about MaxSegmentSizeBytes go, oldest first.
/// Positions live as long as the process.
/// </summary>
public sealed class MemoryStreamLog(StreamRetention retention) : IStreamLog
{
    private sealed class Segment(long firstOffset)
    {
        public readonly long FirstOffset = firstOffset;
        public readonly List<StreamEntry> Entries = [];
        public long Bytes;
        public long LastTimestampMs;
    }

    /// <summary>Guards every field below.</summary>
    private readonly Lock _lock = new();
    private readonly List<Segment> _segments = [new Segment(0)];
    private readonly Dictionary<string, long> _positions = new(StringComparer.Ordinal);
    private long _nextOffset;
    private long _bytes;

    /// <summary>What a record costs besides its body (offset, timestamp, framing), as the disk store counts it roughly.</summary>
    private const int RecordOverhead = 32;

    public long FirstOffset { get { lock (_lock) return _segments[0].FirstOffset; } }
    public long NextOffset { get { lock (_lock) return _nextOffset; } }
    public long SizeBytes { get { lock (_lock) return _bytes; } }
    public int SegmentCount { get { lock (_lock) return _segments.Count; } }
    public long FirstTimestampMs
    {
        get
        {
            lock (_lock)
            {
                foreach (var segment in _segments)
                    if (segment.Entries.Count > 0) return segment.Entries[0].TimestampMs;
                return 0;
            }
        }
    }

    public long Append(Message message, long timestampMs, Action<object?> onDurable, object? state)
    {
        long offset;
        lock (_lock)
        {
            long size = message.Size + RecordOverhead;
            var last = _segments[^1];
            if (last.Entries.Count > 0 && last.Bytes + size > retention.MaxSegmentSizeBytes)
            {
                last = new Segment(_nextOffset);
                _segments.Add(last);
                ApplyRetentionLocked(timestampMs);
            }
            offset = _nextOffset++;
            last.Entries.Add(new StreamEntry(offset, timestampMs, message));
            last.Bytes += size;
            last.LastTimestampMs = timestampMs;
            _bytes += size;
        }
        // Memory is as durable as this log gets.
        onDurable(state);
        return offset;
    }

    public long OffsetAt(long timestampMs)
    {
        lock (_lock)
        {
            foreach (var segment in _segments)
            {
                if (segment.LastTimestampMs < timestampMs) continue;
                foreach (var entry in segment.Entries)
                    if (entry.TimestampMs >= timestampMs) return entry.Offset;
            }
            return _nextOffset;
        }
    }

    public IStreamCursor OpenCursor(long offset) => new Cursor(this, offset);

    public int ApplyRetention(long nowMs)
    {
        lock (_lock) return ApplyRetentionLocked(nowMs);
    }

    private int ApplyRetentionLocked(long nowMs)
    {
        int deleted = 0;
        while (_segments.Count > 1)
        {
            var oldest = _segments[0];
            bool tooBig = retention.MaxLengthBytes is { } max && _bytes - oldest.Bytes > max;
            bool tooOld = retention.MaxAge is { } age && oldest.LastTimestampMs < nowMs - (long)age.TotalMilliseconds;
            if (!tooBig && !tooOld) break;
            _segments.RemoveAt(0);
            _bytes -= oldest.Bytes;
            deleted++;
        }
        return deleted;
    }

    public IReadOnlyDictionary<string, long> Positions { get { lock (_lock) return new Dictionary<string, long>(_positions); } }

    public long PositionOf(string consumer)
    {
        lock (_lock) return _positions.TryGetValue(consumer, out long next) ? next : -1;
    }

    public void StorePosition(string consumer, long nextOffset)
    {
        lock (_lock) _positions[consumer] = nextOffset;
    }

    public bool RemovePosition(string consumer)
    {
        lock (_lock) return _positions.Remove(consumer);
    }

    public void Delete()
    {
        lock (_lock)
        {
            _segments.Clear();
            _segments.Add(new Segment(_nextOffset));
            _positions.Clear();
            _bytes = 0;
        }
    }

    public void Close() { }

    /// <summary>The entry at <paramref name="offset"/>, or the oldest kept after it; false past the end.</summary>
    private bool TryReadAt(ref long offset, out StreamEntry entry)
    {
        lock (_lock)
        {
            if (offset < _segments[0].FirstOffset) offset = _segments[0].FirstOffset;
            entry = default;
            if (offset >= _nextOffset) return false;
            int low = 0, high = _segments.Count - 1;
            while (low < high)
            {
                int middle = (low + high + 1) / 2;
                if (_segments[middle].FirstOffset <= offset) low = middle; else high = middle - 1;
            }
            var segment = _segments[low];
            entry = segment.Entries[(int)(offset - segment.FirstOffset)];
            offset++;
            return true;
        }
    }

    private sealed class Cursor(MemoryStreamLog log, long offset) : IStreamCursor
    {
        private long _offset = offset;

        public long Offset => _offset;

        public bool TryRead(out StreamEntry entry) => log.TryReadAt(ref _offset, out entry);

        public void Seek(long offset) => _offset = offset;

        public void Dispose() { }
    }
}
