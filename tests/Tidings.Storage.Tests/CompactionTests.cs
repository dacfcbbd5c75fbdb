using System.Text;

namespace Tidings.Storage.Tests;

public sealed class CompactionTests : IDisposable
{
    private readonly TempDirectory _temp = new("tidings-compact");

    public void Dispose()
    {
        _temp.Dispose();
    }

    private SegmentLog Open(out List<(RecordId Id, string Text)> live, out IReadOnlyList<RecoveryProblem> problems)
    {
        var records = new List<(RecordId, string)>();
        var log = SegmentLog.Open(_temp.Path, 4096, (id, payload) => records.Add((id, Encoding.UTF8.GetString(payload.Span))), out problems);
        live = records;
        return log;
    }

    private static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    /// <summary>200 records of ~100 bytes over several 4 KiB segments; every 10th stays live.</summary>
    private static List<RecordId> FillAndThin(SegmentLog log)
    {
        var ids = Enumerable.Range(0, 200).Select(i => log.Append(Text($"record {i:D3} " + new string('x', 80)))).ToList();
        log.Flush();
        for (int i = 0; i < ids.Count; i++)
            if (i % 10 != 0) log.Remove(ids[i]);
        log.Flush();
        return ids;
    }

    private static IEnumerable<string> Survivors() => Enumerable.Range(0, 200).Where(i => i % 10 == 0).Select(i => $"record {i:D3} " + new string('x', 80));

    [Fact]
    public void A_segment_consumers_are_still_draining_is_left_alone_and_compacted_once_it_stops_changing()
    {
        using var log = Open(out _, out _);
        var ids = Enumerable.Range(0, 200).Select(i => log.Append(Text($"record {i:D3} " + new string('x', 80)))).ToList();
        log.Flush();
        int segments = log.SegmentCount;
        // A consumer draining in order has acked the first 36 records: most of the first 4 KiB segment (about 41).
        for (int i = 0; i < 36; i++) log.Remove(ids[i]);
        log.Flush();

        Assert.False(log.CompactOne(minimumBytes: 1, skipSegmentsBeingConsumed: true, out bool deferred));
        Assert.True(deferred, "the segment being drained should be deferred, not forgotten");
        Assert.Equal(segments, log.SegmentCount);

        // The consumer stopped: no removals since the last check, so now it is compacted.
        Assert.True(log.CompactOne(minimumBytes: 1, skipSegmentsBeingConsumed: true, out deferred));
        Assert.False(deferred);
        Assert.Equal("record 036 " + new string('x', 80), Encoding.UTF8.GetString(log.Read(ids[36])));
    }

    [Fact]
    public void Compaction_frees_mostly_dead_segments_and_keeps_ids_and_order_across_a_restart()
    {
        List<RecordId> ids;
        using (var log = Open(out _, out _))
        {
            ids = FillAndThin(log);
            int before = log.SegmentCount;
            long bytesBefore = log.DiskBytes;
            while (log.CompactOne(minimumBytes: 1)) { }

            Assert.True(log.SegmentCount < before, $"{log.SegmentCount} segments after compaction, {before} before");
            Assert.True(log.DiskBytes < bytesBefore / 3, $"{log.DiskBytes} bytes after, {bytesBefore} before");
            // Callers keep their ids: reads and removals by the original id work.
            Assert.Equal("record 010 " + new string('x', 80), Encoding.UTF8.GetString(log.Read(ids[10])));
            log.Remove(ids[190]);
            log.Flush();
        }

        using var reopened = Open(out var live, out var problems);
        Assert.Empty(problems);
        Assert.Equal(Survivors().Where(t => !t.StartsWith("record 190", StringComparison.Ordinal)), live.Select(r => r.Text));
        // Recovered ids are the original ones.
        Assert.Equal(ids[0], live[0].Id);
        Assert.Equal(ids[20], live[2].Id);
    }

    [Fact]
    public void A_crash_between_copying_survivors_and_deleting_the_old_segment_yields_each_record_once_in_order()
    {
        string snapshot = _temp.Path + "-before";
        using (var log = Open(out _, out _))
        {
            FillAndThin(log);
            // What the disk held before compaction (the old segments and their ack files).
            CopyDirectory(_temp.Path, snapshot);
            while (log.CompactOne(minimumBytes: 1)) { }
        }
        // Put the old segments back as if their deletion had never happened.
        foreach (var file in Directory.GetFiles(snapshot))
        {
            string target = Path.Combine(_temp.Path, Path.GetFileName(file));
            if (!File.Exists(target)) File.Copy(file, target);
        }
        Directory.Delete(snapshot, recursive: true);

        using (var reopened = Open(out var live, out var problems))
        {
            Assert.Empty(problems);
            Assert.Equal(Survivors(), live.Select(r => r.Text));
        }
        // The duplicate copies were removed at that start: a second restart sees the same.
        using var again = Open(out var second, out _);
        Assert.Equal(Survivors(), second.Select(r => r.Text));
    }

    [Fact]
    public void Compaction_fsyncs_its_copies_outside_the_lock_so_readers_and_removers_go_on_and_a_record_removed_meanwhile_stays_removed()
    {
        List<RecordId> ids;
        using (var log = Open(out _, out _))
        {
            ids = FillAndThin(log);
            bool compacting = false, tried = false;
            log.FsyncStarting = () =>
            {
                if (!compacting || tried) return;
                tried = true;
                // Another thread, while the copies are being fsynced: with the lock held these would wait for the disk (here: forever).
                var reading = Task.Run(() => Encoding.UTF8.GetString(log.Read(ids[10])));
                Assert.True(reading.Wait(TimeSpan.FromSeconds(10)), "a read waited for compaction's fsync");
                Assert.Equal("record 010 " + new string('x', 80), reading.Result);
                // A survivor of the segment being copied is acked meanwhile: its copy must die with it.
                Assert.True(Task.Run(() => log.Remove(ids[0])).Wait(TimeSpan.FromSeconds(10)), "a removal waited for compaction's fsync");
            };
            compacting = true;
            Assert.True(log.CompactOne(minimumBytes: 1));
            compacting = false;
            Assert.True(tried, "compaction did not fsync");
            while (log.CompactOne(minimumBytes: 1)) { }
            Assert.Equal("record 020 " + new string('x', 80), Encoding.UTF8.GetString(log.Read(ids[20])));
            Assert.Equal(Survivors().Count() - 1, log.LiveRecords);
            log.Flush();
        }

        using var reopened = Open(out var live, out var problems);
        Assert.Empty(problems);
        Assert.Equal(Survivors().Skip(1), live.Select(r => r.Text));
    }

    [Fact]
    public void A_segment_emptied_by_removals_while_it_is_copied_is_not_brought_back()
    {
        List<RecordId> ids;
        using (var log = Open(out _, out _))
        {
            ids = FillAndThin(log);
            var firstSegment = ids.Where(id => id.Segment == ids[0].Segment).Where((_, i) => i % 10 == 0).ToList();
            bool done = false;
            log.FsyncStarting = () =>
            {
                if (done) return;
                done = true;
                // Every survivor of the first segment goes while it is copied: the segment is deleted under compaction's feet.
                Task.Run(() => { foreach (var id in firstSegment) log.Remove(id); }).Wait();
            };
            Assert.True(log.CompactOne(minimumBytes: 1));
            log.FsyncStarting = null;
            log.Flush();
            Assert.Equal(Survivors().Count() - firstSegment.Count, log.LiveRecords);
        }

        using var reopened = Open(out var live, out var problems);
        Assert.Empty(problems);
        Assert.Equal(Survivors().Skip(ids.Where(id => id.Segment == ids[0].Segment).Where((_, i) => i % 10 == 0).Count()), live.Select(r => r.Text));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
