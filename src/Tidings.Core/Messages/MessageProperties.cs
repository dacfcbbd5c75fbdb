namespace Tidings.Core.Messages;

/// <summary>
/// What a message says about itself, protocol-neutral: the annotations the core acts on
/// (durable, priority, time to live, timestamp, user id), the common properties every protocol
/// has a place for, the ordered typed headers, and, when the publisher's protocol left them, its
/// own encoding of them (<see cref="Native"/>). docs/MESSAGES.md gives the conversion to and from
/// each protocol. Instances are immutable once published: fan-out and identical publishes share one.
/// </summary>
public sealed class MessageProperties
{
    /// <summary>Shared empty instance for messages published without properties.</summary>
    public static readonly MessageProperties Empty = new();

    /// <summary>MIME type of the body (AMQP content_type, MQTT 5 Content Type).</summary>
    public string? ContentType { get; init; }

    /// <summary>MIME content encoding of the body (AMQP content_encoding).</summary>
    public string? ContentEncoding { get; init; }

    /// <summary>Application headers in order; null when absent.</summary>
    public MessageHeaders? Headers { get; init; }

    /// <summary>
    /// True when the message must survive a restart (AMQP delivery_mode 2), false when the
    /// publisher said it need not (delivery_mode 1), null when it said nothing.
    /// </summary>
    public bool? Durable { get; init; }

    /// <summary>Priority, 0 (lowest) to 255; queues cap it at their x-max-priority.</summary>
    public byte? Priority { get; init; }

    /// <summary>Correlation id as text (AMQP correlation_id, MQTT 5 Correlation Data that is UTF-8).</summary>
    public string? CorrelationId { get; init; }

    /// <summary>A correlation id that is not text (MQTT 5 binary Correlation Data); null when <see cref="CorrelationId"/> holds it.</summary>
    public byte[]? CorrelationData { get; init; }

    /// <summary>Where replies go (AMQP reply_to, MQTT 5 Response Topic).</summary>
    public string? ReplyTo { get; init; }

    /// <summary>Time to live in milliseconds as published (AMQP expiration, MQTT 5 Message Expiry Interval × 1000).</summary>
    /// <remarks>The broker turns it into an absolute <see cref="Message.ExpiresAtMs"/> when the message is published.</remarks>
    public long? TimeToLiveMs { get; init; }

    /// <summary>Application message id (AMQP message_id).</summary>
    public string? MessageId { get; init; }

    /// <summary>When the message was made, Unix time in milliseconds (AMQP carries whole seconds).</summary>
    public long? TimestampMs { get; init; }

    /// <summary>Application message type (AMQP type).</summary>
    public string? Type { get; init; }

    /// <summary>The publishing user; when set, the broker checks it is the authenticated user.</summary>
    public string? UserId { get; init; }

    /// <summary>The publishing application (AMQP app_id).</summary>
    public string? AppId { get; init; }

    /// <summary>
    /// These properties as the publishing protocol encoded them, kept so a consumer on that protocol
    /// gets them byte for byte (fields the neutral model has no place for included, such as AMQP's
    /// cluster_id); null when the properties were made or changed by the broker or in-process code.
    /// Set only by the adapter that decoded the properties, and only with exactly these values.
    /// </summary>
    public NativeEncoding? Native { get; init; }

    /// <summary>
    /// Set by the broker once these properties passed the publish limits (Limits/MessageLimits),
    /// so an instance reused for many messages is checked once. Never set by adapters.
    /// </summary>
    internal bool WithinLimits { get; set; }

    /// <summary>True when the message is durable (persistent).</summary>
    public bool IsPersistent => Durable == true;

    /// <summary>A copy with the given changes; the copy has no <see cref="Native"/> encoding any more.</summary>
    public MessageProperties With(
        MessageHeaders? headers = null,
        bool clearExpiration = false,
        bool replaceHeaders = false,
        string? replyTo = null,
        string? contentType = null,
        bool? durable = null,
        long? timeToLiveMs = null) => new()
        {
            ContentType = contentType ?? ContentType,
            ContentEncoding = ContentEncoding,
            Headers = replaceHeaders ? headers : headers ?? Headers,
            Durable = durable ?? Durable,
            Priority = Priority,
            CorrelationId = CorrelationId,
            CorrelationData = CorrelationData,
            ReplyTo = replyTo ?? ReplyTo,
            TimeToLiveMs = timeToLiveMs ?? (clearExpiration ? null : TimeToLiveMs),
            MessageId = MessageId,
            TimestampMs = TimestampMs,
            Type = Type,
            UserId = UserId,
            AppId = AppId,
        };
}
