using System.Globalization;
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
/// payload is the 4-byte offset of the dead record. Recovery verifies every checksum, truncates a
/// torn tail of the newest files, and reports every record it could not read with its location.
/// </remarks>
public sealed class SegmentLog : IDisposable
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

    /// <summary>First payload byte reserved for relocation envelopes: [0xFE][uint64 original id][payload].</summary>
    private const byte EnvelopeMarker = 0xFE;
    private const int EnvelopeHeader = 9;
    /// <summary>Present once a log has been compacted: recovery then looks for relocated records first.</summary>
    private const string CompactedMarkerFile = "compacted";

    /// <summary>Guards every field below.</summary>
    private readonly Lock _lock = new();
    /// <summary>
    /// Records moved by compaction: the id callers hold (where the record was first written) to
    /// where it is now. Ids never change for callers, so queues keep their positions.
    /// </summary>
    private readonly Dictionary<ulong, RecordId> _relocated = [];
    /// <summary>Serves in-order reads of paged-out records from one read per stretch. Guarded by _lock.</summary>
    private readonly ReadAheadWindow _readAhead = new();
    private readonly SortedDictionary<uint, Segment> _segments = [];
    /// <summary>Segments whose ack file has unflushed appends.</summary>
    private readonly HashSet<Segment> _dirtyAcks = [];
    /// <summary>Where the files are; changes only when the log is moved aside for deletion. Guarded by _lock.</summary>
    private string _directory;
    private readonly long _segmentSize;
    private Segment _active;
    private FileStream _activeWriter;
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

    /// <summary>
    /// Opens (or creates) the log in <paramref name="directory"/>, calling <paramref name="onLiveRecord"/>
    /// for every live record in log order. Problems found are returned, never thrown: a damaged
    /// file must not stop the broker from starting.
    /// </summary>
    public static SegmentLog Open(string directory, long segmentSize, Action<RecordId, ReadOnlyMemory<byte>> onLiveRecord,
        out IReadOnlyList<RecoveryProblem> problems)
    {
        Directory.CreateDirectory(directory);
        var found = new List<RecoveryProblem>();
        var numbers = Directory.EnumerateFiles(directory, "*.seg")
            .Select(path => uint.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out uint n) ? n : 0)
            .Where(n => n > 0).Order().ToList();
        var deadSets = numbers.ToDictionary(n => n, n => ReadAcks(directory, n, found));

        // Relocated records (from compaction) sit at the end of the log but belong at their
        // original place: find them first, then merge them in by original id while scanning.
        var moved = new SortedDictionary<ulong, (RecordId Physical, byte[] Payload)>();
        var duplicates = new List<RecordId>();
        if (File.Exists(Path.Combine(directory, CompactedMarkerFile)))
        {
            foreach (uint number in numbers)
            {
                ScanFile(SegmentPath(directory, number), number, truncateTornTail: false, [], (offset, payload) =>
                {
                    if (deadSets[number].Contains(offset) || payload.Length < EnvelopeHeader || payload.Span[0] != EnvelopeMarker) return;
                    var physical = new RecordId(number, (uint)offset);
                    var (logical, inner) = Unwrap(physical, payload);
                    // A record moved twice around a crash: the later copy wins, the earlier goes.
                    if (moved.TryGetValue(logical, out var earlier)) duplicates.Add(earlier.Physical);
                    moved[logical] = (physical, inner.ToArray());
                });
            }
        }

        var relocated = new Dictionary<ulong, RecordId>();
        void EmitMovedBefore(ulong limit)
        {
            while (moved.Count > 0 && moved.First() is var first && first.Key < limit)
            {
                moved.Remove(first.Key);
                relocated[first.Key] = first.Value.Physical;
                onLiveRecord(RecordId.FromValue(first.Key), first.Value.Payload);
            }
        }

        var segments = new List<Segment>();
        for (int i = 0; i < numbers.Count; i++)
        {
            bool newest = i == numbers.Count - 1;
            var segment = new Segment(numbers[i]);
            var dead = deadSets[segment.Number];
            segment.Length = ScanFile(SegmentPath(directory, segment.Number), segment.Number, newest, found, (offset, payload) =>
            {
                segment.Records++;
                if (dead.Contains(offset)) return;
                segment.Live++;
                if (payload.Length >= EnvelopeHeader && payload.Span[0] == EnvelopeMarker) return; // merged by original id
                var id = new RecordId(segment.Number, (uint)offset);
                EmitMovedBefore(id.Value);
                // The original survived a crash between its copy and its deletion: keep it, drop the copy.
                if (moved.Remove(id.Value, out var copy)) duplicates.Add(copy.Physical);
                onLiveRecord(id, payload);
            });
            segments.Add(segment);
        }
        EmitMovedBefore(ulong.MaxValue);

        uint activeNumber = segments.Count == 0 ? 1 : segments[^1].Number;
        var active = segments.Count == 0 ? new Segment(activeNumber) : segments[^1];
        if (segments.Count == 0) segments.Add(active);
        var writer = OpenAppend(SegmentPath(directory, activeNumber));
        var log = new SegmentLog(directory, segmentSize, active, writer);
        foreach (var segment in segments) log._segments[segment.Number] = segment;
        foreach (var (logical, physical) in relocated) log._relocated[logical] = physical;
        foreach (var duplicate in duplicates) log.Remove(duplicate);
        if (duplicates.Count > 0) log.Flush();
        // Fully dead older segments (all their acks written before the crash) go now.
        foreach (var segment in segments.Where(s => s.Live == 0 && s != log._active).ToList())
            if (log._segments.ContainsKey(segment.Number)) log.DeleteSegmentLocked(segment);
        problems = found;
        return log;
    }

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
            if (_relocated.Remove(id.Value, out var moved)) id = moved;
            if (!_segments.TryGetValue(id.Segment, out var segment)) return;
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
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(payload, id.Offset);
            Span<byte> header = stackalloc byte[RecordFormat.HeaderSize];
            RecordFormat.WriteHeader(header, payload);
            segment.AckWriter.Write(header);
            segment.AckWriter.Write(payload);
            _dirtyAcks.Add(segment);
        }
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
            byte[] payload = ReadThroughWindow(handle, segment, physical.Offset) ?? ReadDirect(handle, physical.Offset, id);
            return moved ? payload[EnvelopeHeader..] : payload;
        }
    }

    /// <summary>
    /// A record's payload from the read-ahead window, refilled from its offset when the record is
    /// not all in it. Null when the record is larger than the window or cut short by the end of
    /// the file: the direct read then reads it, or reports it damaged.
    /// </summary>
    private byte[]? ReadThroughWindow(SafeFileHandle file, Segment segment, long offset)
    {
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

    /// <summary>
    /// Compacts one mostly-dead segment, if there is one: its live records (at most a quarter of
    /// them) are copied to the end of the log in envelopes that remember their original id, the
    /// copy is fsynced, and the old files are deleted. Callers keep using the original ids.
    /// Only the writer thread calls this (it appends). Returns true when a segment was compacted.
    /// </summary>
    public bool CompactOne(long minimumBytes) => CompactOne(minimumBytes, skipSegmentsBeingConsumed: false, out _);

    /// <summary>
    /// As <see cref="CompactOne(long)"/>; with <paramref name="skipSegmentsBeingConsumed"/>, a
    /// segment that lost records since the previous check is left alone this time
    /// (<paramref name="deferred"/> says so). Consumers draining a queue in order empty its oldest
    /// segment anyway: copying its last quarter forward would only double that work (measured:
    /// a 500k-message drain ran about 13 % faster without it). Stragglers are compacted once the
    /// segment stops changing.
    /// </summary>
    public bool CompactOne(long minimumBytes, bool skipSegmentsBeingConsumed, out bool deferred)
    {
        lock (_lock)
        {
            deferred = false;
            Segment? candidate = null;
            foreach (var s in _segments.Values)
            {
                bool mostlyDead = s != _active && s.Length >= minimumBytes && s.Records > 0 && s.Live * 4 <= s.Records;
                if (mostlyDead && skipSegmentsBeingConsumed && s.RecentRemovals > 0) deferred = true;
                else if (mostlyDead) candidate ??= s;
                s.RecentRemovals = 0;
            }
            if (candidate is null) return false;
            if (!File.Exists(Path.Combine(_directory, CompactedMarkerFile)))
            {
                File.WriteAllBytes(Path.Combine(_directory, CompactedMarkerFile), []);
                DirectorySync.Fsync(_directory);
            }
            candidate.AckWriter?.Flush(flushToDisk: false);
            var dead = ReadAcks(_directory, candidate.Number, new List<RecoveryProblem>());
            var survivors = new List<(ulong Logical, byte[] Payload)>();
            ScanFile(SegmentPath(_directory, candidate.Number), candidate.Number, truncateTornTail: false, new List<RecoveryProblem>(), (offset, payload) =>
            {
                if (dead.Contains(offset)) return;
                var (logical, inner) = Unwrap(new RecordId(candidate.Number, (uint)offset), payload);
                survivors.Add((logical, inner.ToArray()));
            });
            Span<byte> prefix = stackalloc byte[EnvelopeHeader];
            foreach (var (logical, payload) in survivors)
            {
                var envelope = new byte[EnvelopeHeader + payload.Length];
                envelope[0] = EnvelopeMarker;
                System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(envelope.AsSpan(1), logical);
                payload.CopyTo(envelope, EnvelopeHeader);
                _relocated[logical] = AppendRaw(envelope);
            }
            // The copies are on disk before the originals go: a crash in between leaves both,
            // and recovery keeps one.
            Flush();
            DeleteSegmentLocked(candidate);
            return true;
        }
    }

    /// <summary>The id callers know a record by, and its payload without any relocation envelope.</summary>
    private static (ulong Logical, ReadOnlyMemory<byte> Payload) Unwrap(RecordId physical, ReadOnlyMemory<byte> payload)
    {
        var span = payload.Span;
        if (span.Length >= EnvelopeHeader && span[0] == EnvelopeMarker)
            return (System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(span[1..]), payload[EnvelopeHeader..]);
        return (physical.Value, payload);
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

    // ---- internals ----

    private void RollOverLocked()
    {
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

    /// <summary>The offsets an ack file declares dead.</summary>
    private static HashSet<long> ReadAcks(string directory, uint number, List<RecoveryProblem> problems)
    {
        var dead = new HashSet<long>();
        string path = AckPath(directory, number);
        if (!File.Exists(path)) return dead;
        // Ack files are always appended with the same framing; a torn tail there is as harmless
        // as in a segment: the ack was never confirmed durable, so the message comes back.
        ScanFile(path, number, truncateTornTail: true, problems, (_, payload) =>
        {
            if (payload.Length == 4) dead.Add(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload.Span));
        });
        return dead;
    }

    private static long ScanFile(string path, uint number, bool truncateTornTail, List<RecoveryProblem> problems,
        Action<long, ReadOnlyMemory<byte>> onRecord)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 1 << 20);
        long length = file.Length;
        long offset = 0;
        var header = new byte[RecordFormat.HeaderSize];
        while (offset < length)
        {
            long remaining = length - offset;
            if (remaining < RecordFormat.HeaderSize)
                return Damaged(file, number, offset, truncateTornTail, problems, $"{remaining} bytes of an incomplete record header");
            file.ReadExactly(header);
            var (size, crc) = RecordFormat.ReadHeader(header);
            if (size > RecordFormat.MaxPayload || offset + RecordFormat.HeaderSize + size > length)
                return Damaged(file, number, offset, truncateTornTail, problems,
                    $"record of {size} bytes runs past the end of the file ({length - offset - RecordFormat.HeaderSize} bytes left)");
            var payload = new byte[size];
            file.ReadExactly(payload);
            bool last = offset + RecordFormat.HeaderSize + size == length;
            if (RecordFormat.Checksum(payload) != crc)
            {
                if (last && truncateTornTail)
                    return Damaged(file, number, offset, true, problems, "checksum mismatch in the last record (torn write)");
                // A damaged record in the middle: the length looked sane, so skip just this one.
                problems.Add(new RecoveryProblem(number, offset, $"checksum mismatch, record of {size} bytes skipped"));
            }
            else
            {
                onRecord(offset, payload);
            }
            offset += RecordFormat.HeaderSize + size;
        }
        return length;
    }

    /// <summary>Handles a record that cannot be read: truncates the newest file there, else reports the lost rest.</summary>
    private static long Damaged(FileStream file, uint number, long offset, bool truncate, List<RecoveryProblem> problems, string what)
    {
        long lost = file.Length - offset;
        if (truncate)
        {
            file.SetLength(offset);
            file.Flush(flushToDisk: true);
            problems.Add(new RecoveryProblem(number, offset, $"{what}; torn tail of {lost} bytes truncated"));
            return offset;
        }
        problems.Add(new RecoveryProblem(number, offset, $"{what}; the remaining {lost} bytes of this file cannot be read"));
        return file.Length;
    }
}
