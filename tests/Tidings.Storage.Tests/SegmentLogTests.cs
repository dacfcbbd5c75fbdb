using System.Text;

namespace Tidings.Storage.Tests;

public sealed class SegmentLogTests : IDisposable
{
    private readonly TempDirectory _temp = new("tidings-log");

    public void Dispose()
    {
        _temp.Dispose();
    }

    private SegmentLog Open(out List<(RecordId Id, string Text)> live, out IReadOnlyList<RecoveryProblem> problems, long segmentSize = 1 << 20)
    {
        var records = new List<(RecordId, string)>();
        var log = SegmentLog.Open(_temp.Path, segmentSize, (id, payload) => records.Add((id, Encoding.UTF8.GetString(payload.Span))), out problems);
        live = records;
        return log;
    }

    private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    private string SegmentFile(uint number) => Path.Combine(_temp.Path, $"{number:D8}.seg");

    [Fact]
    public void Flushed_records_come_back_in_order_after_reopening()
    {
        using (var log = Open(out _, out _))
        {
            for (int i = 0; i < 100; i++) log.Append(Text($"m{i}"));
            log.Flush();
        }
        using var reopened = Open(out var live, out var problems);

        Assert.Empty(problems);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}"), live.Select(r => r.Text));
    }

    [Fact]
    public void Removed_records_never_come_back()
    {
        var ids = new List<RecordId>();
        using (var log = Open(out _, out _))
        {
            for (int i = 0; i < 10; i++) ids.Add(log.Append(Text($"m{i}")));
            log.Flush();
            foreach (int i in new[] { 0, 3, 9 }) log.Remove(ids[i]);
            log.Flush();
        }
        using var reopened = Open(out var live, out _);

        Assert.Equal(["m1", "m2", "m4", "m5", "m6", "m7", "m8"], live.Select(r => r.Text));
    }

    [Fact]
    public void A_torn_tail_is_reported_truncated_and_appending_continues_after_it()
    {
        using (var log = Open(out _, out _))
        {
            for (int i = 0; i < 5; i++) log.Append(Text($"message number {i}"));
            log.Flush();
        }
        // Cut the last record in half, as a crash in the middle of a write would.
        long length = new FileInfo(SegmentFile(1)).Length;
        using (var file = new FileStream(SegmentFile(1), FileMode.Open)) file.SetLength(length - 7);

        using (var log = Open(out var live, out var problems))
        {
            Assert.Equal(["message number 0", "message number 1", "message number 2", "message number 3"], live.Select(r => r.Text));
            var problem = Assert.Single(problems);
            Assert.Equal(1u, problem.Segment);
            Assert.Contains("truncated", problem.Description);
            log.Append(Text("after the crash"));
            log.Flush();
        }
        using var again = Open(out var afterwards, out var none);
        Assert.Empty(none);
        Assert.Equal("after the crash", afterwards[^1].Text);
        Assert.Equal(5, afterwards.Count);
    }

    [Fact]
    public void A_corrupted_record_in_the_middle_is_reported_with_its_location_and_the_others_survive()
    {
        RecordId damaged;
        using (var log = Open(out _, out _))
        {
            log.Append(Text("first"));
            damaged = log.Append(Text("second, soon corrupted"));
            log.Append(Text("third"));
            log.Flush();
        }
        using (var file = new FileStream(SegmentFile(1), FileMode.Open))
        {
            file.Position = damaged.Offset + 8 + 3;
            file.WriteByte((byte)'X');
        }

        using var reopened = Open(out var live, out var problems);

        Assert.Equal(["first", "third"], live.Select(r => r.Text));
        var problem = Assert.Single(problems);
        Assert.Equal(damaged.Offset, problem.Offset);
        Assert.Contains("checksum mismatch", problem.Description);
    }

    [Fact]
    public void Segments_whose_records_are_all_removed_are_deleted_from_disk()
    {
        using var log = Open(out _, out _, segmentSize: 4096);
        var body = new byte[1000];
        var ids = Enumerable.Range(0, 40).Select(_ => log.Append(body)).ToList();
        log.Flush();
        Assert.True(log.SegmentCount >= 10, $"expected many segments, got {log.SegmentCount}");

        foreach (var id in ids) log.Remove(id);
        log.Flush();

        // Only a fresh, empty segment remains: a drained log gives its disk back at once.
        Assert.Equal(1, log.SegmentCount);
        Assert.Equal(0, log.LiveRecords);
        Assert.Equal(0, log.DiskBytes);
        Assert.Single(Directory.GetFiles(_temp.Path, "*.seg"));
    }

    [Fact]
    public void A_record_can_be_read_back_by_its_id()
    {
        using var log = Open(out _, out _);
        log.Append(Text("one"));
        var id = log.Append(Text("two"));
        log.Flush();

        Assert.Equal("two", Encoding.UTF8.GetString(log.Read(id)));
    }

    private static byte[] Pattern(int index, int size)
    {
        var bytes = new byte[size];
        for (int i = 0; i < size; i++) bytes[i] = (byte)(index * 31 + i);
        bytes[0] = (byte)'P'; // 0xFE first would mark a relocation envelope
        return bytes;
    }

    [Fact]
    public void Records_read_in_order_in_reverse_and_at_random_come_back_whole_across_read_ahead_stretches()
    {
        using var log = Open(out _, out _, segmentSize: 256 * 1024);
        // Sizes from 1 byte to past the read-ahead window, so records straddle every stretch boundary.
        int[] sizes = [.. Enumerable.Range(0, 600).Select(i => i % 50 == 49 ? ReadAheadWindow.Size + 100 : 1 + i * 37 % 3000)];
        var ids = sizes.Select((size, i) => log.Append(Pattern(i, size))).ToList();
        log.Flush();
        Assert.True(log.SegmentCount > 3);

        for (int i = 0; i < ids.Count; i++) Assert.Equal(Pattern(i, sizes[i]), log.Read(ids[i]));
        for (int i = ids.Count - 1; i >= 0; i--) Assert.Equal(Pattern(i, sizes[i]), log.Read(ids[i]));
        var random = new Random(7);
        for (int n = 0; n < 300; n++)
        {
            int i = random.Next(ids.Count);
            Assert.Equal(Pattern(i, sizes[i]), log.Read(ids[i]));
        }
    }

    [Fact]
    public void A_record_appended_after_a_read_reached_the_end_of_the_file_reads_back()
    {
        using var log = Open(out _, out _);
        var first = log.Append(Text("first"));
        log.Flush();
        Assert.Equal("first", Encoding.UTF8.GetString(log.Read(first))); // the read-ahead now ends at the end of the file

        var second = log.Append(Text("second")); // not flushed: the read flushes the active segment

        Assert.Equal("second", Encoding.UTF8.GetString(log.Read(second)));
        Assert.Equal("first", Encoding.UTF8.GetString(log.Read(first)));
    }

    [Fact]
    public void A_record_damaged_on_disk_after_it_was_written_is_reported_when_read()
    {
        using var log = Open(out _, out _);
        var good = log.Append(Text("good record"));
        var bad = log.Append(Text("bad record"));
        log.Flush();
        using (var file = File.Open(SegmentFile(1), FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            file.Position = bad.Offset + RecordFormat.HeaderSize + 2;
            file.WriteByte((byte)'X');
        }

        Assert.Equal("good record", Encoding.UTF8.GetString(log.Read(good)));
        Assert.Throws<InvalidDataException>(() => log.Read(bad));
    }

    [Fact]
    public void A_torn_ack_file_tail_brings_the_unacknowledged_message_back()
    {
        using (var log = Open(out _, out _))
        {
            var a = log.Append(Text("a"));
            var b = log.Append(Text("b"));
            log.Append(Text("c")); // stays live, so the segment and its ack file stay
            log.Flush();
            log.Remove(a);
            log.Remove(b);
            log.Flush();
        }
        string ackFile = Path.Combine(_temp.Path, "00000001.ack");
        long length = new FileInfo(ackFile).Length;
        using (var file = new FileStream(ackFile, FileMode.Open)) file.SetLength(length - 2);

        using var reopened = Open(out var live, out var problems);

        Assert.Equal(["b", "c"], live.Select(r => r.Text));
        Assert.Single(problems);
    }
}
