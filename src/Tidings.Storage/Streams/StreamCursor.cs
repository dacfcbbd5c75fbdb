using Tidings.Core.Storage;
using Tidings.Storage.Records;

namespace Tidings.Storage.Streams;

/// <summary>
/// A reader of a <see cref="SegmentStreamLog"/> at its own place (segment, byte position, offset).
/// Records on disk are read through a fixed read-ahead window, one <c>pread</c> per
/// <see cref="WindowSize"/> bytes, so memory stays the same however long the log; records not yet
/// written are copied out of the log's memory. One thread at a time per cursor; any number of
/// cursors at once.
/// </summary>
internal sealed class StreamCursor : IStreamCursor
{
    /// <summary>Bytes read from a segment file at a time.</summary>
    public const int WindowSize = 64 * 1024;

    private readonly SegmentStreamLog _log;
    /// <summary>The segment the next record is in, and its byte position there.</summary>
    private StreamSegment _segment;
    private long _position;
    /// <summary>The offset the next read returns (or the first after it, across a gap).</summary>
    private long _offset;
    /// <summary>The read-ahead window: [_windowStart, _windowStart + _windowLength) of _windowSegment's file.</summary>
    private readonly byte[] _window = new byte[WindowSize];
    private StreamSegment? _windowSegment;
    private long _windowStart;
    private int _windowLength;
    /// <summary>A record copied from memory, or one larger than the window; grows to the largest record read.</summary>
    private byte[] _record = new byte[1024];

    public StreamCursor(SegmentStreamLog log)
    {
        _log = log;
        _segment = log.FirstSegment();
    }

    public long Offset => _offset;

    /// <summary>The bytes the cursor holds for reading (tests check they stay bounded).</summary>
    internal int BufferedBytes => _window.Length + _record.Length;

    public void Seek(long offset)
    {
        var (segment, entry, target) = _log.Locate(offset);
        PlaceAt(segment, entry);
        // From the index entry at or before the target, at most a few KiB of records to pass over.
        while (_offset < target && TryNextRecord(out var record, out long found, out _))
        {
            if (found >= target)
            {
                _offset = found;
                break;
            }
            Advance(record.Length, found);
        }
    }

    public bool TryRead(out StreamEntry entry)
    {
        while (TryNextRecord(out var record, out long offset, out long timestampMs))
        {
            Core.Messages.Message message;
            try
            {
                // A copy: decoded messages slice their record, and the window is reused.
                message = MessageRecord.Decode(StreamRecord.MessageOf(record).ToArray());
            }
            catch (InvalidDataException)
            {
                // The checksum held, so this is a record written by a newer or broken encoder: skip it.
                Advance(record.Length, offset);
                continue;
            }
            Advance(record.Length, offset);
            entry = new StreamEntry(offset, timestampMs, message);
            return true;
        }
        entry = default;
        return false;
    }

    /// <summary>The first offset at or after <paramref name="from"/> whose timestamp is at least <paramref name="timestampMs"/>.</summary>
    internal long FindTimestamp(StreamSegment segment, StreamIndexEntry from, long timestampMs)
    {
        PlaceAt(segment, from);
        while (TryNextRecord(out var record, out long offset, out long stamp))
        {
            if (stamp >= timestampMs) return offset;
            Advance(record.Length, offset);
        }
        return _log.NextOffset;
    }

    private void PlaceAt(StreamSegment segment, StreamIndexEntry entry)
    {
        _segment = segment;
        _position = entry.Position;
        _offset = entry.Offset;
    }

    private void MoveTo(StreamSegment segment) => PlaceAt(segment, new StreamIndexEntry(segment.BaseOffset, 0, 0));

    private void Advance(int size, long offset)
    {
        _position += size;
        _offset = offset + 1;
    }

    /// <summary>
    /// The checked record at the cursor's place, without moving past it; false at the end of the
    /// log. Moves on to the next segment at a segment's end (or its damaged rest), and to the oldest
    /// kept segment when retention deleted this one.
    /// </summary>
    private bool TryNextRecord(out ReadOnlySpan<byte> record, out long offset, out long timestampMs)
    {
        while (true)
        {
            var segment = _segment;
            if (segment.Deleted)
            {
                MoveTo(_log.FirstSegment());
                continue;
            }
            if (_position < segment.WrittenLength)
            {
                if (TryReadFile(segment, _position, out record) is var read && read == FileRead.Read
                    && StreamRecord.TryParse(record, out offset, out timestampMs))
                    return true;
                if (read == FileRead.Deleted || segment.Deleted) continue;
                // Damaged on disk: what follows in this segment cannot be trusted; later segments can.
                _log.ReportDamage(segment, _position);
                var after = _log.SegmentAfter(segment);
                if (after is null) break;
                MoveTo(after);
                continue;
            }
            // At the end (the usual case of a reader keeping up): no lock to say so.
            if (_offset >= _log.PublishedNextOffset) break;
            switch (_log.ReadUnwritten(segment, _position, ref _record, out int length))
            {
                case SegmentStreamLog.UnwrittenRead.Copied:
                    record = _record.AsSpan(0, length);
                    if (StreamRecord.TryParse(record, out offset, out timestampMs)) return true;
                    throw new InvalidOperationException($"{_log}: a record in memory fails its checksum");
                case SegmentStreamLog.UnwrittenRead.EndOfSegment:
                    if (_log.SegmentAfter(segment) is { } next) MoveTo(next);
                    continue;
                case SegmentStreamLog.UnwrittenRead.End:
                    _offset = Math.Max(_offset, segment.EndOffset);
                    record = default;
                    offset = timestampMs = 0;
                    return false;
                default:
                    continue; // in the file by now, or deleted: look again
            }
        }
        record = default;
        offset = timestampMs = 0;
        return false;
    }

    private enum FileRead : byte { Read, Damaged, Deleted }

    /// <summary>The whole record at <paramref name="position"/>, through the window (or straight into <see cref="_record"/> when larger).</summary>
    private FileRead TryReadFile(StreamSegment segment, long position, out ReadOnlySpan<byte> record)
    {
        record = default;
        long written = segment.WrittenLength;
        try
        {
            if (!TryWindow(segment, position, RecordFormat.HeaderSize, written, out var header)) return FileRead.Damaged;
            long size = StreamRecord.SizeOf(header);
            if (size < 0 || position + size > written) return FileRead.Damaged;
            if (size > WindowSize)
            {
                if (_record.Length < size) _record = new byte[size];
                if (!ReadExactly(segment, position, _record.AsSpan(0, (int)size))) return FileRead.Damaged;
                record = _record.AsSpan(0, (int)size);
                return FileRead.Read;
            }
            if (!TryWindow(segment, position, (int)size, written, out record)) return FileRead.Damaged;
            return FileRead.Read;
        }
        catch (Exception e) when (e is ObjectDisposedException or FileNotFoundException or DirectoryNotFoundException && segment.Deleted)
        {
            return FileRead.Deleted;
        }
    }

    /// <summary>[position, position + count) of the segment from the window, refilled from <paramref name="position"/> when it lacks them.</summary>
    private bool TryWindow(StreamSegment segment, long position, int count, long written, out ReadOnlySpan<byte> bytes)
    {
        if (!(segment == _windowSegment && position >= _windowStart && position + count <= _windowStart + _windowLength))
        {
            // Never past what is written: bytes beyond may be half-written by the writer right now.
            int length = (int)Math.Min(WindowSize, written - position);
            _windowSegment = null;
            if (!ReadExactly(segment, position, _window.AsSpan(0, length))) { bytes = default; return false; }
            (_windowSegment, _windowStart, _windowLength) = (segment, position, length);
            if (count > length) { bytes = default; return false; }
        }
        bytes = _window.AsSpan((int)(position - _windowStart), count);
        return true;
    }

    private static bool ReadExactly(StreamSegment segment, long position, Span<byte> destination)
    {
        var handle = segment.ReadHandle();
        int done = 0;
        while (done < destination.Length)
        {
            int read = RandomAccess.Read(handle, destination[done..], position + done);
            if (read == 0) return false;
            done += read;
        }
        return true;
    }

    public void Dispose()
    {
        _windowSegment = null;
    }
}
