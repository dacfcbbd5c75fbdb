using Tidings.Core.Messages;
using Tidings.Core.Storage;

namespace Tidings.Core.Queues;

/// <summary>Where a stream consumer starts reading, from its x-stream-offset argument.</summary>
internal enum StreamStartKind
{
    /// <summary>The oldest message kept.</summary>
    First,
    /// <summary>The newest message there is when the consumer starts.</summary>
    Last,
    /// <summary>Only messages appended after the consumer starts (the default).</summary>
    Next,
    /// <summary>A numeric offset.</summary>
    Offset,
    /// <summary>The first message appended at or after a time (an AMQP timestamp, or now minus an interval such as "1h").</summary>
    Timestamp,
}

/// <summary>
/// A stream consumer's start and whether the broker tracks its position. Tracking (LavinMQ's
/// server-side offset tracking over plain AMQP) is asked for with
/// <c>x-stream-automatic-offset-tracking = true</c>, or by an x-stream-offset of void (null),
/// which also means "from the first message the first time"; the position is stored under the
/// consumer tag as it acks, and a consumer with that tag resumes from it.
/// </summary>
internal readonly record struct StreamStart(StreamStartKind Kind, long Value, bool Tracked, bool Explicit)
{
    public const string OffsetArgument = "x-stream-offset";
    public const string TrackingArgument = "x-stream-automatic-offset-tracking";

    /// <summary>Reads the consumer arguments; PRECONDITION_FAILED for a value RabbitMQ would not take.</summary>
    public static StreamStart Parse(IReadOnlyDictionary<string, object?>? arguments, long nowMs)
    {
        bool tracked = false;
        if (arguments is not null && arguments.TryGetValue(TrackingArgument, out var flag))
            tracked = FieldValue.AsBool(flag) ?? throw Invalid(TrackingArgument, flag);
        if (arguments is null || !arguments.TryGetValue(OffsetArgument, out var value))
            return new StreamStart(StreamStartKind.Next, 0, tracked, Explicit: false);
        if (value is null) return new StreamStart(StreamStartKind.First, 0, Tracked: true, Explicit: false);
        if (value is DateTimeOffset time) return new StreamStart(StreamStartKind.Timestamp, time.ToUnixTimeMilliseconds(), tracked, true);
        if (FieldValue.AsLong(value) is { } offset)
            return offset >= 0 ? new StreamStart(StreamStartKind.Offset, offset, tracked, true) : throw Invalid(OffsetArgument, value);
        string? text = FieldValue.AsString(value);
        switch (text)
        {
            case "first": return new StreamStart(StreamStartKind.First, 0, tracked, true);
            case "last": return new StreamStart(StreamStartKind.Last, 0, tracked, true);
            case "next": return new StreamStart(StreamStartKind.Next, 0, tracked, true);
        }
        if (StreamDurations.TryParse(text, out var interval))
            return new StreamStart(StreamStartKind.Timestamp, nowMs - (long)interval.TotalMilliseconds, tracked, true);
        throw Invalid(OffsetArgument, value);
    }

    /// <summary>The offset this start names in <paramref name="log"/> now.</summary>
    public long Resolve(IStreamLog log)
    {
        long first = log.FirstOffset, next = log.NextOffset;
        return Kind switch
        {
            StreamStartKind.First => first,
            StreamStartKind.Last => Math.Max(first, next - 1),
            StreamStartKind.Next => next,
            StreamStartKind.Offset => Math.Clamp(Value, first, next),
            _ => log.OffsetAt(Value),
        };
    }

    private static BrokerException Invalid(string key, object? value) =>
        new(BrokerError.PreconditionFailed, $"invalid arg '{key}' for consumer: {Limits.BrokerLimits.Shorten(FieldValue.Describe(value))}");
}
