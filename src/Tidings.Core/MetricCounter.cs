namespace Tidings.Core;

/// <summary>
/// A counter a protocol adapter increments on its own paths and <see cref="MetricRegistry"/>
/// exports: one interlocked add on a long, no allocation, so a delivery path can count.
/// </summary>
public sealed class MetricCounter
{
    /// <summary>Interlocked only.</summary>
    private long _value;

    internal MetricCounter()
    {
    }

    /// <summary>The count since the broker started.</summary>
    public long Value => Interlocked.Read(ref _value);

    /// <summary>Adds one.</summary>
    public void Increment() => Interlocked.Increment(ref _value);

    /// <summary>Adds <paramref name="count"/> (not negative: a counter only goes up).</summary>
    public void Add(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Interlocked.Add(ref _value, count);
    }
}
