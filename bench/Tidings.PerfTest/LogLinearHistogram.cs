using System.Numerics;

namespace Tidings.PerfTest;

/// <summary>
/// Latencies in microseconds, HDR-style: values below 256 µs get one bucket each, above that every
/// power of two is split into 128 linear buckets, so a recorded value is within 1/128 (&lt;0.8%) of its
/// bucket. Covers 1 µs to 60 s in a fixed long[]; recording never allocates.
/// </summary>
/// <remarks>
/// One writer per instance (a consumer's dispatch loop); a reader on another thread may see a count a
/// moment late, which a once-a-second live line tolerates. Totals are exact once writers stopped.
/// </remarks>
public sealed class LogLinearHistogram
{
    public const long MaxTrackableMicros = 60_000_000;
    private const int SubBucketBits = 8;
    private const int SubBucketCount = 1 << SubBucketBits;     // 256 exact values below 256 µs
    private const int SubBucketHalf = SubBucketCount / 2;      // 128 buckets per power of two above
    private static readonly int s_bucketCount = IndexOf(MaxTrackableMicros) + 1;

    // Bucket counts; written only by the owner, read by the live reporter and by Merge.
    private readonly long[] _counts = new long[s_bucketCount];

    // Largest recorded value (exact, not bucketed), so max is reported as seen.
    private long _max;

    // Number of recorded values.
    private long _count;

    public long Count => Volatile.Read(ref _count);
    public long Max => Volatile.Read(ref _max);

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }
        else if (micros > MaxTrackableMicros)
        {
            micros = MaxTrackableMicros;
        }
        _counts[IndexOf(micros)]++;
        if (micros > _max)
        {
            Volatile.Write(ref _max, micros);
        }
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Adds another histogram's counts to this one.</summary>
    public void Add(LogLinearHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += Volatile.Read(ref other._counts[i]);
        }
        _count += other.Count;
        _max = Math.Max(_max, other.Max);
    }

    /// <summary>Copies the counts into <paramref name="target"/> (same shape), replacing what it held.</summary>
    public void CopyTo(LogLinearHistogram target)
    {
        Array.Copy(_counts, target._counts, _counts.Length);
        target._count = Count;
        target._max = Max;
    }

    /// <summary>Subtracts an earlier snapshot of the same writer(s): what was recorded since.</summary>
    public void Subtract(LogLinearHistogram earlier)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] -= earlier._counts[i];
        }
        _count -= earlier._count;
    }

    public void Clear()
    {
        Array.Clear(_counts);
        _count = 0;
        _max = 0;
    }

    /// <summary>The value at a percentile (0..100): the middle of the bucket holding it, never above max.</summary>
    public long ValueAtPercentile(double percentile)
    {
        long total = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            total += _counts[i];
        }
        if (total <= 0)
        {
            return 0;
        }
        // The rank of the sample that the percentile names, 1-based: p99 of 1000 samples is the 990th.
        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                long mid = LowestOf(i) + (WidthOf(i) - 1) / 2;
                long max = Max;
                return max > 0 ? Math.Min(mid, max) : mid;
            }
        }
        return Max;
    }

    private static int IndexOf(long micros)
    {
        if (micros < SubBucketCount)
        {
            return (int)micros;
        }
        int log2 = 63 - BitOperations.LeadingZeroCount((ulong)micros);   // >= SubBucketBits
        int shift = log2 - (SubBucketBits - 1);                          // >= 1
        long top = micros >> shift;                                       // in [128, 256)
        return SubBucketCount + (shift - 1) * SubBucketHalf + (int)(top - SubBucketHalf);
    }

    private static long LowestOf(int index)
    {
        if (index < SubBucketCount)
        {
            return index;
        }
        int shift = (index - SubBucketCount) / SubBucketHalf + 1;
        long top = (index - SubBucketCount) % SubBucketHalf + SubBucketHalf;
        return top << shift;
    }

    private static long WidthOf(int index) =>
        index < SubBucketCount ? 1 : 1L << ((index - SubBucketCount) / SubBucketHalf + 1);
}
