using Tidings.Storage.Streams;

namespace Tidings.Storage.Tests.Streams;

/// <summary>Stored consumer positions: written through, last record wins, compacted, tombstoned.</summary>
public sealed class StreamPositionsTests : StreamStoreFixture
{
    [Fact]
    public async Task Positions_survive_reopening_and_compaction_and_removals_stay_removed()
    {
        var log = (SegmentStreamLog)Open();
        for (int round = 0; round < 200; round++)
            for (int c = 0; c < 5; c++) log.StorePosition($"consumer-{c}", round * 10 + c);
        Assert.True(log.RemovePosition("consumer-3"));
        Assert.False(log.RemovePosition("consumer-3"));
        Assert.True(log.PositionCompactions > 0);
        var expected = new Dictionary<string, long> { ["consumer-0"] = 1990, ["consumer-1"] = 1991, ["consumer-2"] = 1992, ["consumer-4"] = 1994 };
        Assert.Equal(expected, log.Positions);
        long fileLength = new FileInfo(Path.Combine(StreamDirectory(), "positions")).Length;
        Assert.True(fileLength < 200 * 5 * 20, "never compacted");

        await ReopenStoreAsync();

        Assert.Equal(expected, Open().Positions);
    }

    [Fact]
    public async Task A_stored_position_is_in_the_file_without_closing_the_log()
    {
        var log = Open();
        log.StorePosition("reader", 12);
        // What a kill -9 leaves: the file as written so far, read by a store that never saw the log closed.
        string copy = Path.Combine(Temp.Path, "..", Path.GetFileName(Temp.Path) + "-copy");
        try
        {
            Directory.CreateDirectory(copy);
            string streamCopy = Path.Combine(copy, Path.GetFileName(StreamDirectory()));
            Directory.CreateDirectory(streamCopy);
            foreach (var file in Directory.EnumerateFiles(StreamDirectory())) File.Copy(file, Path.Combine(streamCopy, Path.GetFileName(file)));
            await using var other = new SegmentStreamStore(copy);
            Assert.Equal(12, other.OpenStream("/", "s", Retention()).Positions["reader"]);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task A_torn_position_record_is_cut_and_the_earlier_ones_kept()
    {
        var log = Open();
        log.StorePosition("a", 5);
        log.StorePosition("b", 6);
        await ReopenStoreAsync();
        await using (var file = new FileStream(Path.Combine(StreamDirectory(), "positions"), FileMode.Append)) file.Write([0, 0, 0, 40, 9, 9]);

        var reopened = Open();

        Assert.Equal(new Dictionary<string, long> { ["a"] = 5, ["b"] = 6 }, reopened.Positions);
        Assert.Contains(Problems, p => p.Contains("positions file"));
        reopened.StorePosition("c", 1);
        await ReopenStoreAsync();
        Assert.Equal(3, Open().Positions.Count);
    }
}
