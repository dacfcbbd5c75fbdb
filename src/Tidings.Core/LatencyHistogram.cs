using System.Diagnostics;

namespace Tidings.Core;

/// <summary>
/// A fixed-bucket histogram of durations, shaped like a Prometheus histogram: each bucket counts
/// observations less than or equal to its upper bound, plus one overflow bucket (+Inf), a count
/// and a sum. <see cref="Observe"/> is lock-free (two interlocked adds), so a hot loop such as a
/// store's group-commit fsync can record every operation.
/// </summary>
/// <remarks>
/// Readers see each counter atomically but not all of them at one instant: an observation racing
/// with <see cref="CopyBucketCounts"/> may be in the buckets and not yet in <see cref="Sum"/>.
/// Exporters take the count from the copied buckets so that buckets and count always agree.
/// </remarks>
public sealed class LatencyHistogram
{
    /// <summary>
    /// Default upper bounds, 100 µs to 10 s: an fsync on a local SSD takes tens of microseconds to
    /// a few milliseconds, a struggling or network disk up to seconds.
    /// </summary>
    public static IReadOnlyList<TimeSpan> DefaultUpperBounds { get; } =
    [
        TimeSpan.FromMicroseconds(100), TimeSpan.FromMicroseconds(250), TimeSpan.FromMicroseconds(500),
        TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2.5), TimeSpan.FromMilliseconds(5),
        TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(25), TimeSpan.FromMilliseconds(50),
        TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500),
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10),
    ];

    /// <summary>Upper bounds in ticks, strictly increasing; immutable after construction.</summary>
    private readonly long[] _boundTicks;
    /// <summary>Observations per bucket (not cumulative); the last slot is the +Inf bucket. Interlocked only.</summary>
    private readonly long[] _counts;
    /// <summary>Sum of all observations in ticks. Interlocked only.</summary>
    private long _sumTicks;

    /// <summary>Creates a histogram with <see cref="DefaultUpperBounds"/>.</summary>
    public LatencyHistogram()
        : this(DefaultUpperBounds)
    {
    }

    /// <summary>Creates a histogram with the given bucket upper bounds (strictly increasing, positive).</summary>
    public LatencyHistogram(IReadOnlyList<TimeSpan> upperBounds)
    {
        ArgumentNullException.ThrowIfNull(upperBounds);
        if (upperBounds.Count == 0) throw new ArgumentException("at least one bucket is needed", nameof(upperBounds));
        _boundTicks = new long[upperBounds.Count];
        for (int i = 0; i < upperBounds.Count; i++)
        {
            _boundTicks[i] = upperBounds[i].Ticks;
            if (_boundTicks[i] <= 0 || (i > 0 && _boundTicks[i] <= _boundTicks[i - 1]))
                throw new ArgumentException("bucket bounds must be positive and strictly increasing", nameof(upperBounds));
        }
        UpperBounds = [.. upperBounds];
        _counts = new long[_boundTicks.Length + 1];
    }

    /// <summary>The buckets' upper bounds (inclusive), without the implicit +Inf bucket.</summary>
    public IReadOnlyList<TimeSpan> UpperBounds { get; }

    /// <summary>How many observations were recorded.</summary>
    public long Count
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _counts.Length; i++) total += Volatile.Read(ref _counts[i]);
            return total;
        }
    }

    /// <summary>The sum of every observation.</summary>
    public TimeSpan Sum => TimeSpan.FromTicks(Volatile.Read(ref _sumTicks));

    /// <summary>Records one duration; negative durations count as zero.</summary>
    public void Observe(TimeSpan elapsed)
    {
        long ticks = Math.Max(0, elapsed.Ticks);
        // The first bound >= ticks; past the last bound the observation lands in +Inf.
        int index = Array.BinarySearch(_boundTicks, ticks);
        if (index < 0) index = ~index;
        Interlocked.Increment(ref _counts[index]);
        Interlocked.Add(ref _sumTicks, ticks);
        AssertInvariants();
    }

    /// <summary>
    /// Copies the per-bucket (non-cumulative) counts into <paramref name="destination"/>, which
    /// needs <c>UpperBounds.Count + 1</c> slots (the last is +Inf); returns their total.
    /// </summary>
    public long CopyBucketCounts(Span<long> destination)
    {
        if (destination.Length < _counts.Length)
            throw new ArgumentException($"needs {_counts.Length} slots", nameof(destination));
        long total = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            destination[i] = Volatile.Read(ref _counts[i]);
            total += destination[i];
        }
        return total;
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        for (int i = 0; i < _counts.Length; i++) Debug.Assert(Volatile.Read(ref _counts[i]) >= 0, "a bucket count went negative");
        Debug.Assert(Volatile.Read(ref _sumTicks) >= 0, "the sum of non-negative durations went negative");
    }
}
