using System.Globalization;
using Tidings.Core.Storage;

namespace Tidings.Storage.Streams;

/// <summary>
/// Opening a stream log. The last segment is scanned whole: a torn tail (the last record cut short
/// or failing its checksum) is truncated, and a damaged record before the end stops the segment
/// there too, so offsets continue from the last good record. Older segments trust their sparse
/// index, checked against the file, and verify the records after its last entry; an index that is
/// missing or does not match is rebuilt from the segment. Problems are reported, never thrown.
/// </summary>
internal sealed partial class SegmentStreamLog
{
    internal static SegmentStreamLog Open(SegmentStreamStore store, string directory, string name, StreamRetention retention)
    {
        Directory.CreateDirectory(directory);
        void Report(string problem) => store.Report($"stream {name}: {problem}");
        var bases = new List<long>();
        foreach (string path in Directory.EnumerateFiles(directory, "*.seg"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.None, CultureInfo.InvariantCulture, out long number)) bases.Add(number);
        }
        bases.Sort();
        var segments = new List<StreamSegment>();
        for (int i = 0; i < bases.Count; i++)
        {
            var segment = new StreamSegment(directory, bases[i]);
            if (i == bases.Count - 1) RecoverLast(segment, Report);
            else segment = RecoverClosed(segment, directory, Report);
            segments.Add(segment);
        }
        if (segments.Count == 0) segments.Add(new StreamSegment(directory, 0));
        var positions = StreamPositions.Open(Path.Combine(directory, SegmentStreamStore.PositionsFile), Report);
        return new SegmentStreamLog(store, directory, name, retention, segments, positions);
    }

    /// <summary>Scans the segment appended to last, truncating it at the first record that is not good.</summary>
    private static void RecoverLast(StreamSegment segment, Action<string> report)
    {
        var (problem, rest, _) = Scan(segment);
        if (problem is not null)
        {
            using (var file = File.OpenHandle(segment.SegmentPath, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                RandomAccess.SetLength(file, segment.Length);
                RandomAccess.FlushToDisk(file);
            }
            string what = rest == 0
                ? $"{problem}: torn tail truncated"
                : $"{problem}, followed by {rest} more bytes: the segment is truncated there";
            report($"{Path.GetFileName(segment.SegmentPath)} at byte {segment.Length}: {what}; offsets continue from {segment.EndOffset}");
        }
        WriteIndex(segment);
        segment.WrittenLength = segment.Length;
    }

    /// <summary>Recovers a segment no longer appended to from its index and the records after the index's last entry.</summary>
    private static StreamSegment RecoverClosed(StreamSegment segment, string directory, Action<string> report)
    {
        long fileLength = new FileInfo(segment.SegmentPath).Length;
        var entries = ReadIndex(segment, fileLength);
        if (entries.Count > 0)
        {
            var last = entries[^1];
            segment.AdoptIndex(entries);
            segment.Length = last.Position;
            segment.Records = last.Offset - segment.BaseOffset;
            segment.FirstTimestampMs = entries[0].TimestampMs;
        }
        var (problem, rest, records) = Scan(segment);
        if (entries.Count > 0 && records == 0 && problem is not null)
        {
            // The index's last entry does not point at its record: the index is wrong, not the segment.
            report($"{Path.GetFileName(segment.IndexPath)} does not match its segment; rebuilt");
            segment = new StreamSegment(directory, segment.BaseOffset);
            (problem, rest, _) = Scan(segment);
        }
        if (problem is not null)
            report($"{Path.GetFileName(segment.SegmentPath)} at byte {segment.Length}: {problem}; the {fileLength - segment.Length} bytes from there cannot be read, later segments can");
        if (segment.IndexPersisted != segment.Index.Count) WriteIndex(segment);
        segment.WrittenLength = segment.Length;
        segment.Sealed = true;
        return segment;
    }

    /// <summary>
    /// Reads records from <see cref="StreamSegment.Length"/> (where the adopted index ends) to the
    /// end of the file, noting each in the segment. Returns what stopped it early (null at the end),
    /// how many bytes lie beyond the bad record (0 for a torn tail), and how many records were read.
    /// </summary>
    private static (string? Problem, long After, long Records) Scan(StreamSegment segment)
    {
        using var file = new FileStream(segment.SegmentPath, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1 << 20);
        long length = file.Length;
        long position = segment.Length;
        file.Position = position;
        long records = 0;
        var header = new byte[RecordFormat.HeaderSize];
        var record = new byte[4096];
        while (position < length)
        {
            if (length - position < RecordFormat.HeaderSize) return ($"{length - position} bytes of an incomplete record header", 0, records);
            file.ReadExactly(header);
            long size = StreamRecord.SizeOf(header);
            if (size < 0) return ("a record header with an impossible length", length - position - RecordFormat.HeaderSize, records);
            if (position + size > length) return ($"a record of {size} bytes runs past the end of the file", 0, records);
            if (record.Length < size) record = new byte[size];
            header.CopyTo(record, 0);
            file.ReadExactly(record.AsSpan(RecordFormat.HeaderSize, (int)size - RecordFormat.HeaderSize));
            long after = length - position - size;
            if (!StreamRecord.TryParse(record.AsSpan(0, (int)size), out long offset, out long timestampMs))
                return (after == 0 ? "checksum mismatch in the last record" : "checksum mismatch", after, records);
            if (offset != segment.EndOffset)
                return ($"record holds offset {offset} where {segment.EndOffset} belongs", after + size, records);
            segment.Note(offset, timestampMs, size);
            position += size;
            records++;
        }
        return (null, 0, records);
    }

    /// <summary>The longest prefix of the .idx file that is plausible for a segment of <paramref name="fileLength"/> bytes.</summary>
    private static List<StreamIndexEntry> ReadIndex(StreamSegment segment, long fileLength)
    {
        var entries = new List<StreamIndexEntry>();
        if (!File.Exists(segment.IndexPath)) return entries;
        var bytes = File.ReadAllBytes(segment.IndexPath);
        for (int i = 0; i + StreamIndexEntry.Size <= bytes.Length; i += StreamIndexEntry.Size)
        {
            var entry = StreamIndexEntry.Read(bytes.AsSpan(i));
            bool plausible = entries.Count == 0
                ? entry.Offset == segment.BaseOffset && entry.Position == 0
                : entry.Offset > entries[^1].Offset && entry.Position > entries[^1].Position && entry.Position < fileLength;
            if (!plausible) break;
            entries.Add(entry);
        }
        return entries;
    }

    /// <summary>Rewrites the .idx file from the segment's index (no fsync: a lost or short index is rebuilt).</summary>
    private static void WriteIndex(StreamSegment segment)
    {
        var bytes = new byte[segment.Index.Count * StreamIndexEntry.Size];
        for (int i = 0; i < segment.Index.Count; i++) segment.Index[i].Write(bytes.AsSpan(i * StreamIndexEntry.Size));
        File.WriteAllBytes(segment.IndexPath, bytes);
        segment.IndexPersisted = segment.Index.Count;
    }
}
