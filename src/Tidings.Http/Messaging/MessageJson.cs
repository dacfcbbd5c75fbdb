using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Tidings.Core.Definitions;
using Tidings.Core.Messages;
using Tidings.Http.Common;
using N = Tidings.Http.Common.MessagePropertyNames;

namespace Tidings.Http.Messaging;

/// <summary>
/// Messages and their properties as JSON, in the field names of RabbitMQ's management API
/// (routing_key, payload, payload_encoding, properties.content_type…). One shape serves SSE
/// events, WebSocket frames and get results.
/// </summary>
internal static class MessageJson
{
    // ---- writing ----

    /// <summary>
    /// {"delivery_tag","redelivered","exchange","routing_key","properties","payload_bytes","payload",
    /// "payload_encoding"}: the payload as a string when it is valid UTF-8, otherwise base64.
    /// </summary>
    public static void WriteDelivery(Utf8JsonWriter json, ulong deliveryTag, bool redelivered, Message message)
    {
        json.WriteStartObject();
        json.WriteNumber("delivery_tag"u8, deliveryTag);
        json.WriteBoolean("redelivered"u8, redelivered);
        json.WriteString("exchange"u8, message.Exchange);
        json.WriteString("routing_key"u8, message.RoutingKey);
        json.WritePropertyName("properties"u8);
        WriteProperties(json, message.Properties);
        var body = message.Body.Span;
        json.WriteNumber("payload_bytes"u8, body.Length);
        if (Utf8.IsValid(body))
        {
            json.WriteString("payload"u8, body);
            json.WriteString("payload_encoding"u8, "string"u8);
        }
        else
        {
            json.WriteBase64String("payload"u8, body);
            json.WriteString("payload_encoding"u8, "base64"u8);
        }
        json.WriteEndObject();
    }

    /// <summary>The properties that are set (MessagePropertiesJson); binary header values as base64 strings.</summary>
    public static void WriteProperties(Utf8JsonWriter json, MessageProperties p) => MessagePropertiesJson.Write(json, p, FieldJsonStyle.Base64);

    // ---- reading ----

    /// <summary>
    /// Properties from a publish request's "properties" object. Unknown names and wrong types are
    /// refused (400) rather than ignored, so a typo does not silently drop a property.
    /// </summary>
    public static MessageProperties ReadProperties(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Null) return MessageProperties.Empty;
        if (element.ValueKind != JsonValueKind.Object) throw RestException.BadRequest("properties must be a JSON object");
        string? contentType = null, contentEncoding = null, correlationId = null, replyTo = null, expiration = null,
            messageId = null, type = null, userId = null, appId = null;
        IReadOnlyDictionary<string, object?>? headers = null;
        byte? deliveryMode = null, priority = null;
        long? timestamp = null;
        foreach (var field in element.EnumerateObject())
        {
            if (field.Value.ValueKind == JsonValueKind.Null) continue;
            switch (field.Name)
            {
                case N.ContentType: contentType = ShortString(field); break;
                case N.ContentEncoding: contentEncoding = ShortString(field); break;
                case N.Headers: headers = ReadTable(field.Value, "properties.headers"); break;
                case N.DeliveryMode: deliveryMode = (byte)RestBody.Integer(field, 1, 2); break;
                case N.Priority: priority = (byte)RestBody.Integer(field, 0, 255); break;
                case N.CorrelationId: correlationId = ShortString(field); break;
                case N.ReplyTo: replyTo = ShortString(field); break;
                case N.Expiration:
                    expiration = field.Value.ValueKind == JsonValueKind.Number
                        ? RestBody.Integer(field, 0, long.MaxValue).ToString(CultureInfo.InvariantCulture)
                        : ShortString(field);
                    break;
                case N.MessageId: messageId = ShortString(field); break;
                case N.Timestamp: timestamp = RestBody.Integer(field, 0, long.MaxValue / 1000) * 1000; break;
                case N.Type: type = ShortString(field); break;
                case N.UserId: userId = ShortString(field); break;
                case N.AppId: appId = ShortString(field); break;
                default:
                    throw RestException.BadRequest($"unknown property '{field.Name}'; known: {string.Join(", ", N.All)}");
            }
        }
        return new MessageProperties
        {
            ContentType = contentType,
            ContentEncoding = contentEncoding,
            Headers = headers is null ? null : MessageHeaders.From(headers),
            Durable = deliveryMode is { } mode ? mode == 2 : null,
            Priority = priority,
            CorrelationId = correlationId,
            ReplyTo = replyTo,
            TimeToLiveMs = Tidings.Core.Limits.BrokerLimits.ParseExpiration(expiration),
            MessageId = messageId,
            TimestampMs = timestamp,
            Type = type,
            UserId = userId,
            AppId = appId,
        };
    }

    /// <summary>A short-string property; its length is checked by the core's limits at publish (Tidings.Core.Limits), as for every door.</summary>
    public static string? ShortString(JsonProperty field) => RestBody.String(field);

    /// <summary>Headers through the one field-value mapper (FieldValueJson): tagged values such as {"$binary": …} are read too.</summary>
    private static Dictionary<string, object?> ReadTable(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object) throw RestException.BadRequest($"{path} must be a JSON object");
        try
        {
            return FieldValueJson.ReadTable(element, path);
        }
        catch (FormatException e)
        {
            throw RestException.BadRequest($"{path}: {e.Message}");
        }
    }
}
