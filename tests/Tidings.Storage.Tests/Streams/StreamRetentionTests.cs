namespace Tidings.Storage.Tests.Streams;

/// <summary>Retention: whole closed segments, oldest first, never the active one; cursors move on.</summary>
public sealed class StreamRetentionTests : StreamStoreFixture
{
    [Fact]
    public async Task Retention_by_size_deletes_whole_closed_segments_and_never_the_active_one()
    {
        // Unlimited first, so nothing goes while the log grows; then reopened with a limit.
        var log = Open(Retention(segmentBytes: 1000));
        await AppendAsync(log, 0, 300);
        int segmentsBefore = log.SegmentCount;
        using var cursor = log.OpenCursor(0);
        await ReopenStoreAsync();
        var limited = Open(Retention(segmentBytes: 1000, maxBytes: 3000));
        using var early = limited.OpenCursor(0);
        Assert.True(early.TryRead(out _));

        int deleted = limited.ApplyRetention(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        Assert.Equal(segmentsBefore - limited.SegmentCount, deleted);
        Assert.True(deleted > 0);
        Assert.True(limited.SizeBytes > 3000 - 1000, "deleted more than needed");
        Assert.True(limited.SizeBytes <= 3000 + 1000);
        Assert.Equal(limited.SegmentCount, SegmentFiles().Length);
        long first = limited.FirstOffset;
        Assert.Equal(long.Parse(Path.GetFileNameWithoutExtension(SegmentFiles()[0])), first);
        // A cursor whose segment went carries on at the oldest kept message.
        Assert.True(early.TryRead(out var next));
        Assert.Equal(first, next.Offset);
        Assert.Equal(300, limited.NextOffset);
        // Only the active segment left: nothing more goes, however small the limit.
        await ReopenStoreAsync();
        var tiny = Open(Retention(segmentBytes: 1000, maxBytes: 1));
        tiny.ApplyRetention(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.Equal(1, tiny.SegmentCount);
        Assert.Equal(1, tiny.ApplyRetention(0) + 1);
    }

    [Fact]
    public async Task Retention_applies_when_a_segment_rolls_over()
    {
        var log = Open(Retention(segmentBytes: 1000, maxBytes: 2500));
        await AppendAsync(log, 0, 300);
        // The writer seals a rolled-over segment once it is on disk and applies retention then.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (log.SizeBytes > 2500 + 1000 && DateTime.UtcNow < deadline) await Task.Delay(10);

        Assert.True(log.SizeBytes <= 2500 + 1000, $"{log.SizeBytes} bytes kept");
        Assert.True(log.FirstOffset > 0);
    }

    [Fact]
    public async Task Retention_by_age_deletes_segments_whose_newest_message_is_too_old_but_not_the_active_one()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var log = Open(Retention(segmentBytes: 1000, maxAge: TimeSpan.FromMinutes(1)));
        // Old records, then recent ones.
        await AppendAsync(log, 0, 100, _ => now - 3_600_000);
        await AppendAsync(log, 100, 100, _ => now);

        // Rollovers already applied it (the writer does, as of the real clock); an explicit call agrees.
        int before = log.SegmentCount;
        int deleted = log.ApplyRetention(now);

        Assert.Equal(before - deleted, log.SegmentCount);
        Assert.True(log.FirstOffset > 0, "no old segment went");
        using var cursor = log.OpenCursor(0);
        var entries = ReadAll(cursor);
        Assert.Equal(now, entries[^1].TimestampMs);
        Assert.True(entries[0].Offset <= 100, "a segment with recent messages went");
        Assert.True(entries.Count(e => e.TimestampMs < now) < 100);

        // Everything old: all but the active segment goes.
        int segmentsLeft = log.SegmentCount;
        int left = log.ApplyRetention(now + 3_600_000);
        Assert.True(left > 0, $"{segmentsLeft} segments, none deleted");
        Assert.Equal(1, log.SegmentCount);
        Assert.Equal(200, log.NextOffset);
    }
}
