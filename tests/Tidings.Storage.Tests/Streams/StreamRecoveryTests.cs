using Tidings.Core.Storage;

namespace Tidings.Storage.Tests.Streams;

/// <summary>Opening a stream log after a crash or damage: torn tails, corrupt records, lost indexes.</summary>
public sealed class StreamRecoveryTests : StreamStoreFixture
{
    [Fact]
    public async Task A_torn_tail_is_truncated_and_reported_and_appends_continue_after_it()
    {
        var log = Open();
        await AppendAsync(log, 0, 10);
        await ReopenStoreAsync();
        string segment = SegmentFiles().Single();
        long goodLength = new FileInfo(segment).Length;
        // Half of a record: a header promising 100 bytes, and 30 of them.
        await using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write([0, 0, 0, 100, 1, 2, 3, 4]);
            file.Write(new byte[30]);
        }

        var reopened = Open();

        Assert.Contains(Problems, p => p.Contains("torn tail truncated"));
        Assert.Equal(goodLength, new FileInfo(segment).Length);
        Assert.Equal(10, reopened.NextOffset);
        await AppendAsync(reopened, 10, 2);
        await ReopenStoreAsync();
        using var cursor = Open().OpenCursor(0);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"m{i}"), ReadAll(cursor).Select(TextOf));
    }

    [Fact]
    public async Task A_last_record_failing_its_checksum_is_cut_as_a_torn_write()
    {
        var log = Open();
        await AppendAsync(log, 0, 5);
        await ReopenStoreAsync();
        string segment = SegmentFiles().Single();
        FlipByte(segment, new FileInfo(segment).Length - 1);

        var reopened = Open();

        Assert.Contains(Problems, p => p.Contains("checksum mismatch in the last record") && p.Contains("torn tail truncated"));
        Assert.Equal(4, reopened.NextOffset);
        Assert.Equal(4, reopened.OpenCursor(0) is var cursor ? ReadAll(cursor).Count : 0);
    }

    [Fact]
    public async Task A_corrupt_record_in_the_middle_of_the_last_segment_ends_it_there_and_offsets_continue_from_the_last_good_one()
    {
        var log = Open();
        await AppendAsync(log, 0, 10);
        await ReopenStoreAsync();
        string segment = SegmentFiles().Single();
        FlipByte(segment, RecordStart(segment, 5) + 20);

        var reopened = Open();

        Assert.Contains(Problems, p => p.Contains("checksum mismatch") && p.Contains("truncated there") && p.Contains("offsets continue from 5"));
        Assert.Equal(5, reopened.NextOffset);
        Assert.Equal(5, reopened.Append(Text("again"), 1, _ => { }, null));
    }

    [Fact]
    public async Task A_corrupt_record_in_an_older_segment_loses_only_the_rest_of_that_segment()
    {
        var retention = Retention(segmentBytes: 1000);
        var log = Open(retention);
        await AppendAsync(log, 0, 100);
        await ReopenStoreAsync();
        var segments = SegmentFiles();
        Assert.True(segments.Length >= 3);
        FlipByte(segments[0], RecordStart(segments[0], 3) + 20);
        // Without its index the segment is scanned when opened, so the damage is found then.
        File.Delete(Path.ChangeExtension(segments[0], ".idx"));

        var reopened = Open(retention);
        using var cursor = reopened.OpenCursor(0);
        var offsets = ReadAll(cursor).Select(e => e.Offset).ToList();

        Assert.Contains(Problems, p => p.Contains("checksum mismatch") && p.Contains("later segments can"));
        long secondBase = long.Parse(Path.GetFileNameWithoutExtension(segments[1]));
        Assert.Equal([0, 1, 2, .. Enumerable.Range((int)secondBase, 100 - (int)secondBase).Select(i => (long)i)], offsets);
        Assert.Equal(100, reopened.NextOffset);
    }

    [Fact]
    public async Task A_corrupt_record_found_by_a_reader_skips_to_the_next_segment_and_is_reported()
    {
        var retention = Retention(segmentBytes: 20_000);
        var log = Open(retention);
        await AppendAsync(log, 0, 1000);
        await ReopenStoreAsync();
        var segments = SegmentFiles();
        // Index intact: opening trusts it and checks only the records after its last entry (past 4 KiB).
        FlipByte(segments[0], RecordStart(segments[0], 2) + 20);

        var reopened = Open(retention);
        using var cursor = reopened.OpenCursor(0);
        var offsets = ReadAll(cursor).Select(e => e.Offset).ToList();

        long secondBase = long.Parse(Path.GetFileNameWithoutExtension(segments[1]));
        Assert.Equal([0, 1, .. Enumerable.Range((int)secondBase, 1000 - (int)secondBase).Select(i => (long)i)], offsets);
        Assert.Contains(Problems, p => p.Contains("readers skip the rest of this segment"));
    }

    [Fact]
    public async Task A_missing_or_damaged_index_is_rebuilt_and_seeks_still_work()
    {
        var retention = Retention(segmentBytes: 20_000);
        var log = Open(retention);
        await AppendAsync(log, 0, 2000, i => 10L * i);
        await ReopenStoreAsync();
        var indexes = Directory.EnumerateFiles(StreamDirectory(), "*.idx").Order().ToArray();
        Assert.True(indexes.Length >= 3);
        File.Delete(indexes[0]);
        File.WriteAllBytes(indexes[1], new byte[24 * 5]); // garbage: the first entry does not start the segment
        await using (var file = new FileStream(indexes[2], FileMode.Append)) file.Write(new byte[7]); // a torn entry

        var reopened = Open(retention);
        using var cursor = reopened.OpenCursor(0);
        foreach (int target in new[] { 3, 400, 777, 1500, 1999 })
        {
            cursor.Seek(target);
            Assert.True(cursor.TryRead(out var entry));
            Assert.Equal(target, entry.Offset);
            Assert.Equal(target, reopened.OffsetAt(10L * target));
        }
        Assert.True(new FileInfo(indexes[0]).Length > 0);
    }

    private static void FlipByte(string path, long position)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        file.Position = position;
        int value = file.ReadByte();
        file.Position = position;
        file.WriteByte((byte)(value ^ 0xFF));
    }

    /// <summary>Where the <paramref name="index"/>-th record of a segment file starts (walking the length headers).</summary>
    private static long RecordStart(string path, int index)
    {
        var bytes = File.ReadAllBytes(path);
        long position = 0;
        for (int i = 0; i < index; i++)
            position += 8 + System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)position));
        return position;
    }
}
