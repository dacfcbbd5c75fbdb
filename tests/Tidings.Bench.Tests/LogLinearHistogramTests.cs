using Tidings.PerfTest;

namespace Tidings.Bench.Tests;

public sealed class LogLinearHistogramTests
{
    [Fact]
    public void Percentiles_are_within_one_percent_of_the_exact_value()
    {
        var h = new LogLinearHistogram();
        for (long v = 1; v <= 100_000; v++)
        {
            h.Record(v);
        }

        Assert.InRange(h.ValueAtPercentile(50), 49_500, 50_500);
        Assert.InRange(h.ValueAtPercentile(99), 98_010, 99_990);
        Assert.InRange(h.ValueAtPercentile(99.9), 98_900, 100_000);
        Assert.Equal(100_000, h.Max);
        Assert.Equal(100_000, h.Count);
    }

    [Fact]
    public void Small_values_are_exact_and_huge_ones_are_clamped()
    {
        var h = new LogLinearHistogram();
        h.Record(7);
        h.Record(long.MaxValue);

        Assert.Equal(7, h.ValueAtPercentile(50));
        Assert.Equal(LogLinearHistogram.MaxTrackableMicros, h.Max);
        Assert.True(h.ValueAtPercentile(100) <= h.Max);
    }

    [Fact]
    public void Subtracting_a_snapshot_leaves_what_came_after_it()
    {
        var h = new LogLinearHistogram();
        for (int i = 0; i < 100; i++)
        {
            h.Record(10);
        }
        var snapshot = new LogLinearHistogram();
        h.CopyTo(snapshot);
        for (int i = 0; i < 100; i++)
        {
            h.Record(5_000);
        }
        var window = new LogLinearHistogram();
        h.CopyTo(window);
        window.Subtract(snapshot);

        Assert.Equal(100, window.Count);
        Assert.InRange(window.ValueAtPercentile(1), 4_950, 5_050);
    }
}
