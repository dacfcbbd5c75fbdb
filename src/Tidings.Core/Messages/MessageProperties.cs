namespace Tidings.Core.Messages;

/// <summary>
/// The fourteen basic properties a message carries (AMQP's content header), protocol-neutral.
/// Instances are treated as immutable once published: fan-out shares one instance.
/// </summary>
public sealed class MessageProperties
{
    /// <summary>Shared empty instance for messages published without properties.</summary>
    public static readonly MessageProperties Empty = new();

    public string? ContentType { get; init; }
    public string? ContentEncoding { get; init; }
    /// <summary>Application headers (an AMQP field table); null when absent.</summary>
    public IReadOnlyDictionary<string, object?>? Headers { get; init; }
    /// <summary>1 = transient, 2 = persistent; null when absent.</summary>
    public byte? DeliveryMode { get; init; }
    public byte? Priority { get; init; }
    public string? CorrelationId { get; init; }
    public string? ReplyTo { get; init; }
    /// <summary>Per-message TTL in milliseconds, as a decimal string (RabbitMQ's convention).</summary>
    public string? Expiration { get; init; }
    public string? MessageId { get; init; }
    public AmqpTimestamp? Timestamp { get; init; }
    public string? Type { get; init; }
    public string? UserId { get; init; }
    public string? AppId { get; init; }
    public string? ClusterId { get; init; }

    /// <summary>
    /// Set by the broker once these properties passed the publish limits (Limits/MessageLimits),
    /// so an instance reused for many messages is checked once. Never set by adapters.
    /// </summary>
    internal bool WithinLimits { get; set; }

    /// <summary>True when delivery mode is 2 (persistent).</summary>
    public bool IsPersistent => DeliveryMode == 2;

    /// <summary>A shallow copy with the given changes applied by the caller's initializer.</summary>
    public MessageProperties With(
        IReadOnlyDictionary<string, object?>? headers = null,
        bool clearExpiration = false,
        bool replaceHeaders = false,
        string? replyTo = null) => new()
    {
        ContentType = ContentType,
        ContentEncoding = ContentEncoding,
        Headers = replaceHeaders ? headers : headers ?? Headers,
        DeliveryMode = DeliveryMode,
        Priority = Priority,
        CorrelationId = CorrelationId,
        ReplyTo = replyTo ?? ReplyTo,
        Expiration = clearExpiration ? null : Expiration,
        MessageId = MessageId,
        Timestamp = Timestamp,
        Type = Type,
        UserId = UserId,
        AppId = AppId,
        ClusterId = ClusterId,
    };
}
