using Tidings.Core.Limits;
using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>The x-arguments of a queue declaration, validated and parsed once.</summary>
public sealed class QueueArguments
{
    /// <summary>Arguments whose difference on redeclare is an error, as in RabbitMQ.</summary>
    internal static readonly string[] Compared =
    [
        "x-message-ttl", "x-expires", "x-max-length", "x-max-length-bytes", "x-overflow",
        "x-dead-letter-exchange", "x-dead-letter-routing-key", "x-max-priority",
        "x-single-active-consumer", "x-queue-type", "x-message-groups", "x-max-age",
        "x-stream-max-segment-size-bytes",
    ];

    /// <summary>x-message-ttl in ms.</summary>
    public long? MessageTtl { get; private init; }
    /// <summary>x-expires in ms: delete the queue after this long unused.</summary>
    public long? Expires { get; private init; }
    public long? MaxLength { get; private init; }
    public long? MaxLengthBytes { get; private init; }
    public OverflowMode Overflow { get; private init; }
    public string? DeadLetterExchange { get; private init; }
    public string? DeadLetterRoutingKey { get; private init; }
    /// <summary>x-max-priority; 0 means not a priority queue.</summary>
    public byte MaxPriority { get; private init; }
    public bool SingleActiveConsumer { get; private init; }
    /// <summary>x-message-groups: connectionless receives keep one group's messages in order, one batch out at a time (SQS FIFO).</summary>
    public bool MessageGroups { get; private init; }
    /// <summary>x-max-age (streams): segments whose newest message is older go.</summary>
    public TimeSpan? MaxAge { get; private init; }
    /// <summary>x-stream-max-segment-size-bytes (streams): the size at which a stream starts a new segment.</summary>
    public long? MaxSegmentSizeBytes { get; private init; }

    /// <summary>Parses and validates; throws PreconditionFailed with RabbitMQ-like text when invalid.</summary>
    public static QueueArguments Parse(IReadOnlyDictionary<string, object?>? args, string queue, string vhost)
    {
        if (args is null || args.Count == 0) return new QueueArguments();
        BrokerLimits.CheckTable("arguments", args);
        QueueFactory.KindOf(args, queue, vhost);
        var parsed = new QueueArguments
        {
            MessageTtl = Expiry(args, "x-message-ttl", queue, vhost, allowZero: true),
            Expires = Expiry(args, "x-expires", queue, vhost, allowZero: false),
            MaxLength = NonNegative(args, "x-max-length", queue, vhost, allowZero: true),
            MaxLengthBytes = NonNegative(args, "x-max-length-bytes", queue, vhost, allowZero: true),
            Overflow = ParseOverflow(args, queue, vhost),
            DeadLetterExchange = Text(args, "x-dead-letter-exchange", queue, vhost),
            DeadLetterRoutingKey = Text(args, "x-dead-letter-routing-key", queue, vhost),
            MaxPriority = MaxPriorityOf(args, queue, vhost),
            SingleActiveConsumer = Flag(args, "x-single-active-consumer", queue, vhost),
            MessageGroups = Flag(args, "x-message-groups", queue, vhost),
            MaxAge = Age(args, queue, vhost),
            MaxSegmentSizeBytes = NonNegative(args, "x-stream-max-segment-size-bytes", queue, vhost, allowZero: false),
        };
        // RabbitMQ refuses a dead-letter routing key without a dead-letter exchange to use it with.
        if (parsed.DeadLetterRoutingKey is not null && parsed.DeadLetterExchange is null)
            throw new BrokerException(BrokerError.PreconditionFailed,
                $"invalid arg 'x-dead-letter-routing-key' for queue '{queue}' in vhost '{vhost}': routing_key_but_no_dlx_defined");
        return parsed;
    }

    /// <summary>A TTL or expiry in ms: a non-negative integer no larger than RabbitMQ's 2^32 − 1.</summary>
    private static long? Expiry(IReadOnlyDictionary<string, object?> args, string key, string queue, string vhost, bool allowZero)
    {
        long? value = NonNegative(args, key, queue, vhost, allowZero);
        if (value > BrokerLimits.MaxExpiryMilliseconds)
            throw new BrokerException(BrokerError.PreconditionFailed,
                $"invalid arg '{key}' for queue '{queue}' in vhost '{vhost}': {{value_too_large,{value}}}");
        return value;
    }

    /// <summary>x-max-age: a duration such as "7D" or "12h" (see <see cref="StreamDurations"/>).</summary>
    private static TimeSpan? Age(IReadOnlyDictionary<string, object?> args, string queue, string vhost)
    {
        if (!args.TryGetValue("x-max-age", out var value)) return null;
        return StreamDurations.TryParse(FieldValue.AsString(value), out var age) ? age : throw Invalid("x-max-age", value, queue, vhost);
    }

    /// <summary>x-max-priority: 0 to 255 as in RabbitMQ; a larger value is refused, not capped.</summary>
    private static byte MaxPriorityOf(IReadOnlyDictionary<string, object?> args, string queue, string vhost)
    {
        long value = NonNegative(args, "x-max-priority", queue, vhost, allowZero: true) ?? 0;
        return value <= 255 ? (byte)value : throw Invalid("x-max-priority", args["x-max-priority"], queue, vhost);
    }

    private static long? NonNegative(IReadOnlyDictionary<string, object?> args, string key, string queue, string vhost, bool allowZero)
    {
        if (!args.TryGetValue(key, out var value)) return null;
        long? number = FieldValue.AsLong(value);
        if (number is null || number < 0 || (!allowZero && number == 0)) throw Invalid(key, value, queue, vhost);
        return number;
    }

    /// <summary>A text argument that names an exchange or a routing key: at most 255 UTF-8 bytes, as AMQP carries them.</summary>
    private static string? Text(IReadOnlyDictionary<string, object?> args, string key, string queue, string vhost)
    {
        if (!args.TryGetValue(key, out var value)) return null;
        string text = FieldValue.AsString(value) ?? throw Invalid(key, value, queue, vhost);
        if (!Utf8Text.Fits(text, BrokerLimits.MaxShortStringBytes))
            throw new BrokerException(BrokerError.PreconditionFailed,
                $"invalid arg '{key}' for queue '{queue}' in vhost '{vhost}': longer than {BrokerLimits.MaxShortStringBytes} bytes");
        return text;
    }

    private static bool Flag(IReadOnlyDictionary<string, object?> args, string key, string queue, string vhost)
    {
        if (!args.TryGetValue(key, out var value)) return false;
        return FieldValue.AsBool(value) ?? throw Invalid(key, value, queue, vhost);
    }

    private static OverflowMode ParseOverflow(IReadOnlyDictionary<string, object?> args, string queue, string vhost)
    {
        if (!args.TryGetValue("x-overflow", out var value)) return OverflowMode.DropHead;
        return FieldValue.AsString(value) switch
        {
            "drop-head" => OverflowMode.DropHead,
            "reject-publish" => OverflowMode.RejectPublish,
            "reject-publish-dlx" => OverflowMode.RejectPublishDlx,
            _ => throw Invalid("x-overflow", value, queue, vhost),
        };
    }

    /// <summary>PRECONDITION_FAILED for an argument's value, in RabbitMQ's words.</summary>
    internal static BrokerException Invalid(string key, object? value, string queue, string vhost) =>
        new(BrokerError.PreconditionFailed,
            $"invalid arg '{key}' for queue '{queue}' in vhost '{vhost}': {BrokerLimits.Shorten(FieldValue.Describe(value))}");
}
