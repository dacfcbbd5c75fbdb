namespace Tidings.Storage.Streams;

/// <summary>What cursors ask of the log: where an offset is, the next segment, and records not yet on disk.</summary>
internal sealed partial class SegmentStreamLog
{
    /// <summary>What <see cref="ReadUnwritten"/> found at a position.</summary>
    internal enum UnwrittenRead : byte
    {
        /// <summary>The record was copied out of memory.</summary>
        Copied,
        /// <summary>It is in the file by now: read it there.</summary>
        InFile,
        /// <summary>The position is the end of a segment that has a successor.</summary>
        EndOfSegment,
        /// <summary>The position is the end of the log.</summary>
        End,
        /// <summary>Retention deleted the segment.</summary>
        Deleted,
    }

    /// <summary>
    /// The segment and index entry to scan from to reach <paramref name="offset"/>, clamped into
    /// FirstOffset..NextOffset (returned as <c>Target</c>).
    /// </summary>
    internal (StreamSegment Segment, StreamIndexEntry Entry, long Target) Locate(long offset)
    {
        lock (_lock)
        {
            long target = Math.Clamp(offset, _segments[0].BaseOffset, _nextOffset);
            int low = 0, high = _segments.Count - 1, found = 0;
            while (low <= high)
            {
                int middle = (low + high) >>> 1;
                if (_segments[middle].BaseOffset <= target) { found = middle; low = middle + 1; }
                else high = middle - 1;
            }
            var segment = _segments[found];
            return (segment, segment.EntryAtOrBefore(target), target);
        }
    }

    /// <summary>The oldest kept segment (where a cursor whose segment was deleted goes on).</summary>
    internal StreamSegment FirstSegment()
    {
        lock (_lock) return _segments[0];
    }

    /// <summary>The segment after <paramref name="segment"/>; null when it is the last or no longer listed.</summary>
    internal StreamSegment? SegmentAfter(StreamSegment segment)
    {
        lock (_lock)
        {
            int index = _segments.IndexOf(segment);
            return index >= 0 && index + 1 < _segments.Count ? _segments[index + 1] : null;
        }
    }

    /// <summary>
    /// Copies the record at <paramref name="position"/> of <paramref name="segment"/> out of the
    /// in-memory chunks into <paramref name="buffer"/> (grown when too small), unless it is in the
    /// file by now or there is none. Under the lock, so the writer cannot release the chunk meanwhile.
    /// </summary>
    internal UnwrittenRead ReadUnwritten(StreamSegment segment, long position, ref byte[] buffer, out int length)
    {
        length = 0;
        lock (_lock)
        {
            if (segment.Deleted) return UnwrittenRead.Deleted;
            if (position < segment.WrittenLength) return UnwrittenRead.InFile;
            if (position >= segment.Length) return segment == _segments[^1] ? UnwrittenRead.End : UnwrittenRead.EndOfSegment;
            foreach (var chunk in _chunks)
            {
                if (chunk.Segment != segment || !chunk.Holds(position)) continue;
                int start = (int)(position - chunk.FilePosition);
                length = (int)StreamRecord.SizeOf(chunk.Buffer.AsSpan(start));
                if (buffer.Length < length) buffer = new byte[Math.Max(length, buffer.Length * 2)];
                chunk.Buffer.AsSpan(start, length).CopyTo(buffer);
                return UnwrittenRead.Copied;
            }
        }
        throw new InvalidOperationException($"{this}: no record at byte {position} of {segment.SegmentPath} in memory or on disk");
    }

    public long OffsetAt(long timestampMs)
    {
        StreamSegment? segment = null;
        StreamIndexEntry entry = default;
        lock (_lock)
        {
            foreach (var candidate in _segments)
            {
                if (candidate.Records == 0 || candidate.LastTimestampMs < timestampMs) continue;
                segment = candidate;
                entry = candidate.EntryBefore(timestampMs);
                break;
            }
            if (segment is null) return _nextOffset;
        }
        using var cursor = new StreamCursor(this);
        return cursor.FindTimestamp(segment, entry, timestampMs);
    }

    /// <summary>Tells the log a cursor found a damaged record in a segment file (once per segment).</summary>
    internal void ReportDamage(StreamSegment segment, long position)
    {
        if (segment.DamageReported) return;
        segment.DamageReported = true;
        _store.Report($"stream {_name}: damaged record at byte {position} of {segment.SegmentPath}; readers skip the rest of this segment");
    }
}
