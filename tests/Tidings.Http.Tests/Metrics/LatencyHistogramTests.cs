using Tidings.Core;

namespace Tidings.Http.Tests.Metrics;

public sealed class LatencyHistogramTests
{
    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    private static long[] Counts(LatencyHistogram histogram)
    {
        var counts = new long[histogram.UpperBounds.Count + 1];
        histogram.CopyBucketCounts(counts);
        return counts;
    }

    [Fact]
    public void Observations_land_in_the_first_bucket_whose_bound_is_not_below_them()
    {
        var histogram = new LatencyHistogram([Ms(1), Ms(10)]);

        histogram.Observe(Ms(0.5));
        histogram.Observe(Ms(1));    // bounds are inclusive, as Prometheus's "le"
        histogram.Observe(Ms(1.01));
        histogram.Observe(Ms(11));   // past the last bound: +Inf
        histogram.Observe(Ms(-3));   // a clock step backwards counts as zero

        Assert.Equal([3, 1, 1], Counts(histogram));
        Assert.Equal(5, histogram.Count);
        Assert.Equal(Ms(0.5 + 1 + 1.01 + 11), histogram.Sum);
    }

    [Fact]
    public void Concurrent_observations_are_all_counted()
    {
        var histogram = new LatencyHistogram();

        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 10_000; i++) histogram.Observe(TimeSpan.FromTicks(i * 100));
        });

        Assert.Equal(80_000, histogram.Count);
        Assert.Equal(80_000, Counts(histogram).Sum());
        Assert.Equal(TimeSpan.FromTicks(8L * 100 * (9_999L * 10_000 / 2)), histogram.Sum);
    }

    [Fact]
    public void Bounds_must_be_positive_and_strictly_increasing()
    {
        Assert.Throws<ArgumentException>(() => new LatencyHistogram([]));
        Assert.Throws<ArgumentException>(() => new LatencyHistogram([Ms(2), Ms(2)]));
        Assert.Throws<ArgumentException>(() => new LatencyHistogram([TimeSpan.Zero, Ms(1)]));
    }

    [Fact]
    public void Copying_counts_needs_a_slot_for_the_infinite_bucket()
    {
        var histogram = new LatencyHistogram([Ms(1)]);

        Assert.Throws<ArgumentException>(() => histogram.CopyBucketCounts(new long[1]));
    }
}
