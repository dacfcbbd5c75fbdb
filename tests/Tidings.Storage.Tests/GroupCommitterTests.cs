using Tidings.Core;

namespace Tidings.Storage.Tests;

public sealed class GroupCommitterTests : IDisposable
{
    private readonly TempDirectory _temp = new("tidings-gc");

    public void Dispose()
    {
        _temp.Dispose();
    }

    [Fact]
    public async Task Concurrent_appends_share_fsyncs_and_all_are_durable_when_acknowledged()
    {
        var histogram = new LatencyHistogram();
        var log = SegmentLog.Open(_temp.Path, 1 << 24, (_, _) => { }, out _);
        var committer = new GroupCommitter(histogram);
        var payload = new byte[128];
        var appends = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < 500; i++) await committer.AppendAsync(log, payload);
        })).ToArray();
        await Task.WhenAll(appends).WaitAsync(TimeSpan.FromSeconds(60));
        await committer.DisposeAsync();
        log.Dispose();

        Assert.Equal(4000, committer.Appends);
        Assert.True(committer.Fsyncs < committer.Appends, $"{committer.Fsyncs} fsyncs for {committer.Appends} appends: no grouping");
        Assert.Equal(committer.Fsyncs, histogram.Count);
        int recovered = 0;
        using var reopened = SegmentLog.Open(_temp.Path, 1 << 24, (_, _) => recovered++, out var problems);
        Assert.Empty(problems);
        Assert.Equal(4000, recovered);
    }

    [Fact]
    public async Task A_confirm_callback_that_throws_is_reported_and_the_loop_keeps_confirming_everyone_else()
    {
        var faults = new FaultLog();
        var log = SegmentLog.Open(_temp.Path, 1 << 24, (_, _) => { }, out _);
        var committer = new GroupCommitter(faults: faults);
        var payload = new byte[64];

        committer.Append(log, payload, (_, _) => throw new InvalidOperationException("a confirm sink's bug"));
        // Without the guard the commit loop's task faults here and these never complete.
        for (int i = 0; i < 10; i++) await committer.AppendAsync(log, payload).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(1, faults.Count);
        Assert.Equal(11, committer.Appends);
        await committer.DisposeAsync();
        log.Dispose();
    }
}
