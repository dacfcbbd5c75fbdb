using System.Collections.Concurrent;
using System.Text;
using Tidings.Core.Messages;
using Tidings.Core.Storage;
using Tidings.Storage.Streams;

namespace Tidings.Storage.Tests.Streams;

/// <summary>Appending, reading, seeking and durability of the disk stream log.</summary>
public sealed class StreamLogTests : StreamStoreFixture
{
    [Fact]
    public async Task Appended_messages_read_back_with_their_offsets_and_timestamps()
    {
        var log = Open();
        await AppendAsync(log, 0, 100);
        using var cursor = log.OpenCursor(0);

        var entries = ReadAll(cursor);

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), entries.Select(e => e.Offset));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => 1000L + i), entries.Select(e => e.TimestampMs));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}"), entries.Select(TextOf));
        Assert.Equal("m7", entries[7].Message.Properties.MessageId);
        Assert.Equal(100, log.NextOffset);
        Assert.Equal(0, log.FirstOffset);
        Assert.Equal(1000, log.FirstTimestampMs);
        Assert.Equal(100, cursor.Offset);
    }

    [Fact]
    public void A_record_is_readable_as_soon_as_Append_returns()
    {
        var log = Open(Retention(segmentBytes: 8 * 1024));
        using var cursor = log.OpenCursor(0);
        for (int i = 0; i < 20_000; i++)
        {
            long offset = log.Append(Text($"m{i}"), i, static _ => { }, null);
            Assert.True(cursor.TryRead(out var entry), $"record {i} not readable right after its append");
            Assert.Equal(offset, entry.Offset);
            Assert.Equal($"m{i}", TextOf(entry));
            Assert.False(cursor.TryRead(out _));
        }
        Assert.True(log.SegmentCount > 10);
    }

    [Fact]
    public async Task The_durability_callback_runs_only_once_the_record_is_written_and_fsynced()
    {
        var log = Open();
        await AppendAsync(log, 0, 1);
        string segment = SegmentFiles().Single();
        var seen = new ConcurrentQueue<(long Fsyncs, long FileLength, long RecordStart)>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        long fsyncsBefore = Store.Fsyncs;
        for (int i = 0; i < 5000; i++)
        {
            // The state is where the record starts in the file: the file must reach past it when confirmed.
            log.Append(Text($"m{i}"), i, s =>
            {
                seen.Enqueue((Store.Fsyncs, new FileInfo(segment).Length, (long)s!));
                if (seen.Count == 5000) done.SetResult();
            }, log.SizeBytes);
        }
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.All(seen, s => Assert.True(s.Fsyncs > fsyncsBefore, "confirmed before any fsync"));
        Assert.All(seen, s => Assert.True(s.FileLength > s.RecordStart, $"confirmed with {s.FileLength} bytes in the file, record at {s.RecordStart}"));
        // Group commit: far fewer fsyncs than appends.
        Assert.True(Store.Fsyncs - fsyncsBefore < 5000);
    }

    [Fact]
    public async Task Seek_by_offset_and_by_timestamp_across_many_small_segments()
    {
        var log = Open(Retention(segmentBytes: 2000));
        await AppendAsync(log, 0, 2000, i => 10L * i);
        Assert.True(log.SegmentCount > 20);

        async Task Check(IStreamLog log)
        {
            using var cursor = log.OpenCursor(0);
            foreach (int target in new[] { 0, 1, 37, 499, 500, 1234, 1998, 1999 })
            {
                cursor.Seek(target);
                Assert.Equal(target, cursor.Offset);
                Assert.True(cursor.TryRead(out var entry));
                Assert.Equal(target, entry.Offset);
                Assert.Equal($"m{target}", TextOf(entry));
                Assert.Equal(10L * target, entry.TimestampMs);
            }
            cursor.Seek(5000);
            Assert.Equal(2000, cursor.Offset);
            Assert.False(cursor.TryRead(out _));
            foreach (int k in new[] { 0, 1, 250, 777, 1999 })
            {
                Assert.Equal(k, log.OffsetAt(10L * k));
                Assert.Equal(k, log.OffsetAt(10L * k - 5));
            }
            Assert.Equal(0, log.OffsetAt(-100));
            Assert.Equal(2000, log.OffsetAt(10L * 1999 + 1));
            await Task.CompletedTask;
        }

        await Check(log);
        await ReopenStoreAsync();
        await Check(Open(Retention(segmentBytes: 2000)));
    }

    [Fact]
    public async Task Messages_larger_than_the_read_window_read_back_whole()
    {
        var log = Open();
        var big = new byte[200 * 1024];
        Random.Shared.NextBytes(big);
        log.Append(new Message("", "k", new MessageProperties(), big), 1, _ => { }, null);
        await AppendAsync(log, 1, 3);
        using var cursor = log.OpenCursor(0);

        var entries = ReadAll(cursor);

        Assert.Equal(4, entries.Count);
        Assert.True(big.AsSpan().SequenceEqual(entries[0].Message.Body.Span));
        Assert.Equal("m3", TextOf(entries[3]));
    }

    [Fact]
    public async Task Replaying_a_log_far_larger_than_the_cursor_buffer_keeps_memory_bounded()
    {
        var log = Open(Retention(segmentBytes: 4 << 20));
        var body = new byte[128];
        const int count = 200_000;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (int i = 0; i < count; i++)
            log.Append(new Message("", "k", new MessageProperties(), body), i, i == count - 1 ? _ => done.SetResult() : static _ => { }, null);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(log.SizeBytes > 100 * StreamCursor.WindowSize);

        using var cursor = (StreamCursor)log.OpenCursor(0);
        int bufferBefore = cursor.BufferedBytes;
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long read = 0;
        var held = new List<StreamEntry>(); // a reader that keeps nothing; the list stays empty
        while (cursor.TryRead(out var entry))
        {
            Assert.Equal(read, entry.Offset);
            read++;
        }
        long heapAfter = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Equal(count, read);
        Assert.Equal(bufferBefore, cursor.BufferedBytes);
        Assert.True(heapAfter - heapBefore < 4 << 20, $"heap grew by {heapAfter - heapBefore} bytes over a replay of {log.SizeBytes} bytes");
        Assert.Empty(held);
    }

    [Fact]
    public async Task Several_cursors_on_several_threads_read_everything_while_a_publisher_appends()
    {
        var log = Open(Retention(segmentBytes: 64 * 1024));
        const int count = 30_000;
        // Own threads, not pool threads: four sleeping readers would starve the pool the publisher needs.
        var readers = Enumerable.Range(0, 4).Select(r => Task.Factory.StartNew(() =>
        {
            using var cursor = log.OpenCursor(0);
            long expected = 0;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (expected < count && DateTime.UtcNow < deadline)
            {
                if (!cursor.TryRead(out var entry))
                {
                    Thread.Sleep(1); // a consumer at the tail waits to be told; here it just looks again soon
                    continue;
                }
                Assert.Equal(expected, entry.Offset);
                Assert.Equal($"m{expected}", TextOf(entry));
                expected++;
            }
            return expected;
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.Run(() => AppendAsync(log, 0, count));

        var counts = await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(counts, c => Assert.Equal(count, c));
    }

    [Fact]
    public async Task Reopening_keeps_offsets_timestamps_and_positions()
    {
        var log = Open(Retention(segmentBytes: 4096));
        await AppendAsync(log, 0, 300);
        log.StorePosition("reader-a", 42);
        log.StorePosition("reader-b", 7);
        log.StorePosition("reader-b", 8);
        log.Close();
        await ReopenStoreAsync();

        var reopened = Open(Retention(segmentBytes: 4096));
        Assert.Equal(300, reopened.NextOffset);
        Assert.Equal(0, reopened.FirstOffset);
        Assert.Equal(1000, reopened.FirstTimestampMs);
        Assert.Equal(new Dictionary<string, long> { ["reader-a"] = 42, ["reader-b"] = 8 }, reopened.Positions);
        await AppendAsync(reopened, 300, 5);
        using var cursor = reopened.OpenCursor(0);
        var entries = ReadAll(cursor);
        Assert.Equal(Enumerable.Range(0, 305).Select(i => (long)i), entries.Select(e => e.Offset));
        Assert.Equal(Enumerable.Range(0, 305).Select(i => 1000L + i), entries.Select(e => e.TimestampMs));
        Assert.Empty(Problems);
    }

    [Fact]
    public async Task A_deleted_stream_loses_its_files_and_a_new_one_starts_from_zero()
    {
        var log = Open();
        await AppendAsync(log, 0, 10);
        string directory = StreamDirectory();
        log.Delete();
        var again = Open();

        Assert.Equal(0, again.NextOffset);
        await AppendAsync(again, 0, 1);
        await ReopenStoreAsync();
        Assert.Single(Directory.EnumerateDirectories(Temp.Path));
        Assert.Equal(1, Open().NextOffset);
        Assert.True(Directory.Exists(directory)); // the new stream's folder, same name
    }

    [Fact]
    public async Task Close_writes_and_fsyncs_what_is_queued()
    {
        var log = Open();
        int confirmed = 0;
        for (int i = 0; i < 1000; i++) log.Append(Text($"m{i}"), i, _ => Interlocked.Increment(ref confirmed), null);
        log.Close();

        Assert.Equal(1000, Volatile.Read(ref confirmed));
        Assert.Throws<ObjectDisposedException>(() => log.Append(Text("late"), 0, _ => { }, null));
        await ReopenStoreAsync();
        Assert.Equal(1000, Open().NextOffset);
    }
}
