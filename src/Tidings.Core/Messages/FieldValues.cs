namespace Tidings.Core.Messages;

// Header values are plain .NET objects so every protocol adapter can read them:
// string, bool, sbyte, byte, short, ushort, int, uint, long, float, double, byte[] (binary),
// AmqpTimestamp, AmqpDecimal, LongStringBytes, IDictionary<string, object?> (nested table),
// IList<object?> (array) and null (void). The few AMQP types with no exact .NET twin are below.

/// <summary>A point in time with one-second resolution, as AMQP timestamps carry it.</summary>
public readonly record struct AmqpTimestamp(long UnixSeconds)
{
    /// <summary>The timestamp for <paramref name="time"/>, truncated to whole seconds.</summary>
    public static AmqpTimestamp From(DateTimeOffset time) => new(time.ToUnixTimeSeconds());

    /// <summary>This timestamp as a <see cref="DateTimeOffset"/> in UTC.</summary>
    public DateTimeOffset ToDateTimeOffset() => DateTimeOffset.FromUnixTimeSeconds(UnixSeconds);
}

/// <summary>An AMQP decimal: an unscaled 32-bit integer and the count of decimal places.</summary>
public readonly record struct AmqpDecimal(byte Scale, int Unscaled)
{
    /// <summary>The value as a .NET decimal.</summary>
    public decimal ToDecimal() => (decimal)Unscaled / (decimal)Math.Pow(10, Scale);
}

/// <summary>
/// An AMQP long string whose bytes are not valid UTF-8. Valid long strings become
/// <see cref="string"/>; this keeps the rest byte-exact so they are re-sent unchanged.
/// </summary>
public sealed record LongStringBytes(byte[] Bytes);
