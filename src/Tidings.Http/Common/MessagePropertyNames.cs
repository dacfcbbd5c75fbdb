namespace Tidings.Http.Common;

/// <summary>
/// The JSON names of a message's properties, RabbitMQ's management API names (AMQP 0-9-1's
/// basic properties less cluster_id, which JSON does not show). Every HTTP reader and writer of
/// properties (management publish/get, REST messaging, SSE, WebSocket) uses these, so a new
/// property is added here and in each switch the compiler then shows.
/// </summary>
internal static class MessagePropertyNames
{
    public const string ContentType = "content_type";
    public const string ContentEncoding = "content_encoding";
    public const string Headers = "headers";
    public const string DeliveryMode = "delivery_mode";
    public const string Priority = "priority";
    public const string CorrelationId = "correlation_id";
    public const string ReplyTo = "reply_to";
    public const string Expiration = "expiration";
    public const string MessageId = "message_id";
    public const string Timestamp = "timestamp";
    public const string Type = "type";
    public const string UserId = "user_id";
    public const string AppId = "app_id";

    /// <summary>All of them, in AMQP's property order (for error texts and documentation).</summary>
    public static readonly IReadOnlyList<string> All =
    [
        ContentType, ContentEncoding, Headers, DeliveryMode, Priority, CorrelationId, ReplyTo, Expiration, MessageId, Timestamp,
        Type, UserId, AppId,
    ];
}
