using System.Buffers.Binary;
using System.Diagnostics;
using Microsoft.Win32.SafeHandles;

namespace Tidings.Storage;

/// <summary>
/// An append-only log of records in numbered segment files (<c>00000001.seg</c>, …), each next to
/// an ack file (<c>00000001.ack</c>) that lists which of its records are dead. A segment whose
/// records are all dead is deleted, so disk use follows what is still live. One writer appends
/// and flushes (the group committer); any thread may read or remove.
/// </summary>
/// <remarks>
/// Both files hold records framed by <see cref="RecordFormat"/> (length + CRC32C). An ack record's
/// payload is the 4-byte offset of the dead record. This file holds the state, appends and
/// removals; recovery (<c>SegmentLog.Recovery.cs</c>), reads (<c>SegmentLog.Reading.cs</c>) and
/// compaction (<c>SegmentLog.Compaction.cs</c>) have their own.
/// </remarks>
public sealed partial class SegmentLog : IDisposable
{
    private sealed class Segment(uint number)
    {
        public readonly uint Number = number;
        /// <summary>Records appended and not yet removed.</summary>
        public int Live;
        /// <summary>All records in the file, live or dead (for the compaction decision).</summary>
        public int Records;
        /// <summary>Size of the .seg file (the next record's offset when active).</summary>
        public long Length;
        /// <summary>Open for appending acks; created on first removal.</summary>
        public FileStream? AckWriter;
        /// <summary>Opened on first read.</summary>
        public SafeFileHandle? ReadHandle;
        /// <summary>Removals since the last compaction check: a segment still losing records is being consumed.</summary>
        public int RecentRemovals;
    }

    /// <summary>Guards every field below.</summary>
    private readonly Lock _lock = new();
    /// <summary>
    /// Records moved by compaction: the id callers hold (where the record was first written) to
    /// where it is now. Ids never change for callers, so queues keep their positions.
    /// </summary>
    private readonly Dictionary<ulong, RecordId> _relocated = [];
    /// <summary>Serves in-order reads of paged-out records from one read per stretch.</summary>
    private readonly ReadAheadWindow _readAhead = new();
    /// <summary>Every segment file of the log by number, the active one included.</summary>
    private readonly SortedDictionary<uint, Segment> _segments = [];
    /// <summary>Segments whose ack file has unflushed appends.</summary>
    private readonly HashSet<Segment> _dirtyAcks = [];
    /// <summary>Where the files are; changes only when the log is moved aside for deletion.</summary>
    private string _directory;
    /// <summary>Size at which the active segment is closed and the next one started; fixed.</summary>
    private readonly long _segmentSize;
    /// <summary>The segment appended to (always in <see cref="_segments"/>).</summary>
    private Segment _active;
    /// <summary>Buffered writer of <see cref="_active"/>'s file.</summary>
    private FileStream _activeWriter;
    /// <summary>True when <see cref="_activeWriter"/> holds bytes not yet handed to the OS.</summary>
    private bool _activeDirty;

    private SegmentLog(string directory, long segmentSize, Segment active, FileStream writer)
    {
        _directory = directory;
        _segmentSize = segmentSize;
        _active = active;
        _activeWriter = writer;
    }

    /// <summary>Records appended and not removed.</summary>
    public long LiveRecords { get { lock (_lock) return _segments.Values.Sum(s => (long)s.Live); } }

    /// <summary>Segment files on disk.</summary>
    public int SegmentCount { get { lock (_lock) return _segments.Count; } }

    /// <summary>Bytes of segment files on disk (ack files excluded).</summary>
    public long DiskBytes { get { lock (_lock) return _segments.Values.Sum(s => s.Length); } }

    /// <summary>Told just before a flush fsyncs, outside the lock (tests use it to prove readers are not held up by the disk).</summary>
    internal Action? FsyncStarting { get; set; }

    /// <summary>Appends a record (buffered; durable after the next <see cref="Flush"/>).</summary>
    public RecordId Append(ReadOnlySpan<byte> payload)
    {
        if (!payload.IsEmpty && payload[0] == EnvelopeMarker)
            throw new ArgumentException("payloads may not start with 0xFE (reserved for relocated records)", nameof(payload));
        return AppendRaw(payload);
    }

    private RecordId AppendRaw(ReadOnlySpan<byte> payload)
    {
        if (payload.Length > RecordFormat.MaxPayload)
            throw new ArgumentException($"record of {payload.Length} bytes exceeds {RecordFormat.MaxPayload}", nameof(payload));
        Span<byte> header = stackalloc byte[RecordFormat.HeaderSize];
        RecordFormat.WriteHeader(header, payload);
        lock (_lock)
        {
            long size = RecordFormat.HeaderSize + payload.Length;
            if (_active.Length > 0 && _active.Length + size > _segmentSize) RollOverLocked();
            var id = new RecordId(_active.Number, (uint)_active.Length);
            _activeWriter.Write(header);
            _activeWriter.Write(payload);
            _active.Length += size;
            _active.Live++;
            _active.Records++;
            _activeDirty = true;
            return id;
        }
    }

    /// <summary>
    /// Marks a record dead (buffered in its segment's ack file; durable after the next
    /// <see cref="Flush"/>). A segment left with no live record is deleted once it is not the
    /// one being appended to.
    /// </summary>
    public void Remove(RecordId id)
    {
        lock (_lock)
        {
            var physical = _relocated.Remove(id.Value, out var moved) ? moved : id;
            // Compaction is copying this segment right now: its copy of the record must die too.
            if (_compacting is { } compacting && physical.Segment == compacting.Number) _removedWhileCompacting.Add(id.Value);
            RemovePhysicalLocked(physical);
        }
    }

    /// <summary>Marks the record at <paramref name="physical"/> (where it is now, not a caller's id) dead.</summary>
    private void RemovePhysicalLocked(RecordId physical)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        if (!_segments.TryGetValue(physical.Segment, out var segment)) return;
        segment.Live--;
        segment.RecentRemovals++;
        if (segment.Live == 0 && segment != _active)
        {
            DeleteSegmentLocked(segment);
            return;
        }
        if (segment.Live == 0 && segment == _active)
        {
            // A drained queue should give its disk back now, not when the segment fills:
            // start a fresh segment, which deletes this one (nothing in it is live).
            RollOverLocked();
            return;
        }
        segment.AckWriter ??= OpenAppend(AckPath(_directory, segment.Number));
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, physical.Offset);
        Span<byte> header = stackalloc byte[RecordFormat.HeaderSize];
        RecordFormat.WriteHeader(header, payload);
        segment.AckWriter.Write(header);
        segment.AckWriter.Write(payload);
        _dirtyAcks.Add(segment);
    }

    /// <summary>
    /// Writes buffered records and acks to disk and fsyncs them: one sync per file touched. The
    /// lock covers only the hand-over to the OS; the fsync runs outside it, so readers paging a
    /// message in do not wait for the disk. Only the writer thread (which alone appends, removes
    /// and rolls segments over) calls this, so the files cannot close under the fsync.
    /// </summary>
    public void Flush()
    {
        var toSync = new List<FileStream>(2);
        lock (_lock)
        {
            if (_activeDirty)
            {
                _activeWriter.Flush(flushToDisk: false);
                toSync.Add(_activeWriter);
                _activeDirty = false;
            }
            foreach (var segment in _dirtyAcks)
            {
                if (segment.AckWriter is null) continue;
                segment.AckWriter.Flush(flushToDisk: false);
                toSync.Add(segment.AckWriter);
            }
            _dirtyAcks.Clear();
        }
        if (toSync.Count == 0) return;
        FsyncStarting?.Invoke();
        foreach (var file in toSync) RandomAccess.FlushToDisk(file.SafeFileHandle);
    }

    /// <summary>
    /// Moves the log's directory to <paramref name="newDirectory"/> at once (a deleted queue's log
    /// steps aside so a queue of the same name can start a fresh one while this one is closed).
    /// </summary>
    public void MoveTo(string newDirectory)
    {
        lock (_lock)
        {
            Directory.Move(_directory, newDirectory);
            _directory = newDirectory;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Flush();
            _activeWriter.Dispose();
            foreach (var segment in _segments.Values)
            {
                segment.AckWriter?.Dispose();
                segment.ReadHandle?.Dispose();
            }
        }
    }

    /// <summary>Closes the active segment (fsynced) and starts the next; the old one goes if nothing in it is live.</summary>
    private void RollOverLocked()
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        _activeWriter.Flush(flushToDisk: true);
        _activeWriter.Dispose();
        _activeDirty = false;
        var previous = _active;
        _active = new Segment(previous.Number + 1);
        _segments[_active.Number] = _active;
        _activeWriter = OpenAppend(SegmentPath(_directory, _active.Number));
        if (previous.Live == 0) DeleteSegmentLocked(previous);
    }

    private void DeleteSegmentLocked(Segment segment)
    {
        Debug.Assert(_lock.IsHeldByCurrentThread);
        _segments.Remove(segment.Number);
        _dirtyAcks.Remove(segment);
        _readAhead.Forget(segment);
        segment.AckWriter?.Dispose();
        segment.ReadHandle?.Dispose();
        File.Delete(SegmentPath(_directory, segment.Number));
        File.Delete(AckPath(_directory, segment.Number));
    }

    private static FileStream OpenAppend(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 64 * 1024);

    private static string SegmentPath(string directory, uint number) => Path.Combine(directory, $"{number:D8}.seg");

    private static string AckPath(string directory, uint number) => Path.Combine(directory, $"{number:D8}.ack");
}
