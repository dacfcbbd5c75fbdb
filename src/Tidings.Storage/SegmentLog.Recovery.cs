using System.Buffers.Binary;
using System.Globalization;

namespace Tidings.Storage;

/// <summary>
/// Opening a log: every checksum is verified, a torn tail of the newest files is truncated, every
/// record that cannot be read is reported with its location, and records relocated by compaction
/// are merged back at their original place.
/// </summary>
public sealed partial class SegmentLog
{
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
        lock (log._lock)
        {
            // Fully dead older segments (all their acks written before the crash) go now.
            foreach (var segment in segments)
                if (segment.Live == 0 && segment != log._active && log._segments.ContainsKey(segment.Number)) log.DeleteSegmentLocked(segment);
        }
        problems = found;
        return log;
    }

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
            if (payload.Length == 4) dead.Add(BinaryPrimitives.ReadUInt32BigEndian(payload.Span));
        });
        return dead;
    }

    private static long ScanFile(string path, uint number, bool truncateTornTail, List<RecoveryProblem> problems,
        Action<long, ReadOnlyMemory<byte>> onRecord)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 1 << 20);
        return ScanFile(file, number, truncateTornTail, problems, onRecord);
    }

    /// <summary>
    /// Calls <paramref name="onRecord"/> for every record of <paramref name="file"/> whose checksum
    /// holds; returns the length of the file that is good (shorter when a torn tail was cut).
    /// </summary>
    private static long ScanFile(FileStream file, uint number, bool truncateTornTail, List<RecoveryProblem> problems,
        Action<long, ReadOnlyMemory<byte>> onRecord)
    {
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
