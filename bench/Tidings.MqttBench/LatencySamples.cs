using System.Diagnostics;

namespace Tidings.MqttBench;

/// <summary>
/// Publish-to-delivery latencies of one run, kept whole (m4 sends 5,000 a second, so a minute is
/// 300,000 longs) and sorted once at the end: exact percentiles, no buckets.
/// </summary>
internal sealed class LatencySamples(int capacity)
{
    public sealed record Summary(long P50, long P99, long P999, long Max, long Count);

    private readonly long[] _ticks = new long[capacity];
    private int _count;

    /// <summary>Records one delivery sent at <paramref name="sentTimestamp"/> (Stopwatch ticks); called by one receive loop.</summary>
    public void Add(long sentTimestamp)
    {
        if (_count < _ticks.Length) _ticks[_count++] = Stopwatch.GetTimestamp() - sentTimestamp;
    }

    public Summary? Summarise()
    {
        if (_count == 0) return null;
        Array.Sort(_ticks, 0, _count);
        return new Summary(Micro(0.50), Micro(0.99), Micro(0.999), Micro(1.0), _count);
    }

    private long Micro(double quantile) => _ticks[Math.Min(_count - 1, (int)(quantile * _count))] * 1_000_000 / Stopwatch.Frequency;
}
