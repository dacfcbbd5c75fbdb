using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Tidings.Storage;

/// <summary>Reading records back: paging a message in from disk, through the read-ahead window.</summary>
public sealed partial class SegmentLog
{
    /// <summary>Reads a record's payload back (paging a message in from disk).</summary>
    public byte[] Read(RecordId id)
    {
        // Under the lock: compaction (on the writer thread) may otherwise delete the file mid-read.
        lock (_lock)
        {
            bool moved = _relocated.TryGetValue(id.Value, out var physical);
            if (!moved) physical = id;
            if (!_segments.TryGetValue(physical.Segment, out var segment)) throw new KeyNotFoundException($"no segment for {id}");
            if (segment == _active && _activeDirty) _activeWriter.Flush(flushToDisk: false);
            var handle = segment.ReadHandle ??= File.OpenHandle(SegmentPath(_directory, segment.Number), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            byte[] payload = ReadThroughWindowLocked(handle, segment, physical.Offset) ?? ReadDirect(handle, physical.Offset, id);
            return moved ? payload[EnvelopeHeader..] : payload;
        }
    }

    /// <summary>
    /// A record's payload from the read-ahead window, refilled from its offset when the record is
    /// not all in it. Null when the record is larger than the window or cut short by the end of
    /// the file: the direct read then reads it, or reports it damaged.
    /// </summary>
    private byte[]? ReadThroughWindowLocked(SafeFileHandle file, Segment segment, long offset)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread); // the window is one buffer shared by every reader
        if (!_readAhead.TryRead(file, segment, offset, RecordFormat.HeaderSize, out var header)) return null;
        var (length, crc) = RecordFormat.ReadHeader(header);
        if (length < 0 || length > ReadAheadWindow.Size - RecordFormat.HeaderSize) return null;
        if (!_readAhead.TryRead(file, segment, offset, RecordFormat.HeaderSize + length, out var record)) return null;
        var payload = record[RecordFormat.HeaderSize..];
        if (RecordFormat.Checksum(payload) != crc) return null;
        return payload.ToArray();
    }

    private static byte[] ReadDirect(SafeFileHandle file, long offset, RecordId id)
    {
        Span<byte> header = stackalloc byte[RecordFormat.HeaderSize];
        RandomAccess.Read(file, header, offset);
        var (length, crc) = RecordFormat.ReadHeader(header);
        var payload = new byte[length];
        int read = RandomAccess.Read(file, payload, offset + RecordFormat.HeaderSize);
        if (read != length || RecordFormat.Checksum(payload) != crc)
            throw new InvalidDataException($"record {id} is damaged (checksum mismatch)");
        return payload;
    }
}
