using System.Globalization;
using System.Text.Json;
using Tidings.Core.Definitions;
using Tidings.Core.Messages;
using N = Tidings.Http.Common.MessagePropertyNames;

namespace Tidings.Http.Common;

/// <summary>
/// Writes a message's properties as JSON, with RabbitMQ's names, for the management API's get
/// and the REST messaging deliveries alike: only the set ones; timestamp in Unix seconds,
/// expiration as text, delivery_mode 2 or 1. Headers go through <see cref="FieldValueJson"/> in
/// the caller's style (management: RabbitMQ's display; REST: binary as base64).
/// </summary>
internal static class MessagePropertiesJson
{
    // The names pre-encoded once: SSE and WebSocket write them for every delivery.
    private static readonly JsonEncodedText ContentType = JsonEncodedText.Encode(N.ContentType);
    private static readonly JsonEncodedText ContentEncoding = JsonEncodedText.Encode(N.ContentEncoding);
    private static readonly JsonEncodedText Headers = JsonEncodedText.Encode(N.Headers);
    private static readonly JsonEncodedText DeliveryMode = JsonEncodedText.Encode(N.DeliveryMode);
    private static readonly JsonEncodedText Priority = JsonEncodedText.Encode(N.Priority);
    private static readonly JsonEncodedText CorrelationId = JsonEncodedText.Encode(N.CorrelationId);
    private static readonly JsonEncodedText ReplyTo = JsonEncodedText.Encode(N.ReplyTo);
    private static readonly JsonEncodedText Expiration = JsonEncodedText.Encode(N.Expiration);
    private static readonly JsonEncodedText MessageId = JsonEncodedText.Encode(N.MessageId);
    private static readonly JsonEncodedText Timestamp = JsonEncodedText.Encode(N.Timestamp);
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode(N.Type);
    private static readonly JsonEncodedText UserId = JsonEncodedText.Encode(N.UserId);
    private static readonly JsonEncodedText AppId = JsonEncodedText.Encode(N.AppId);

    /// <summary>The set properties as one JSON object.</summary>
    public static void Write(Utf8JsonWriter json, MessageProperties p, FieldJsonStyle headerStyle)
    {
        json.WriteStartObject();
        WriteIfSet(json, ContentType, p.ContentType);
        WriteIfSet(json, ContentEncoding, p.ContentEncoding);
        if (p.Headers is { } headers)
        {
            json.WritePropertyName(Headers);
            FieldValueJson.WriteTable(json, headers.FirstValues(), headerStyle);
        }
        if (p.Durable is { } durable) json.WriteNumber(DeliveryMode, durable ? 2 : 1);
        if (p.Priority is { } priority) json.WriteNumber(Priority, priority);
        WriteIfSet(json, CorrelationId, p.CorrelationId);
        WriteIfSet(json, ReplyTo, p.ReplyTo);
        if (p.TimeToLiveMs is { } ttl) json.WriteString(Expiration, ttl.ToString(CultureInfo.InvariantCulture));
        WriteIfSet(json, MessageId, p.MessageId);
        if (p.TimestampMs is { } timestamp) json.WriteNumber(Timestamp, timestamp / 1000);
        WriteIfSet(json, Type, p.Type);
        WriteIfSet(json, UserId, p.UserId);
        WriteIfSet(json, AppId, p.AppId);
        json.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter json, JsonEncodedText name, string? value)
    {
        if (value is not null) json.WriteString(name, value);
    }
}
