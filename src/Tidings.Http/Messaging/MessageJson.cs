using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Tidings.Core.Messages;

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

    /// <summary>The properties that are set; timestamp as Unix seconds.</summary>
    public static void WriteProperties(Utf8JsonWriter json, MessageProperties p)
    {
        json.WriteStartObject();
        WriteIfSet(json, "content_type"u8, p.ContentType);
        WriteIfSet(json, "content_encoding"u8, p.ContentEncoding);
        if (p.Headers is { } headers)
        {
            json.WritePropertyName("headers"u8);
            WriteTable(json, headers.FirstValues());
        }
        if (p.Durable is { } durable) json.WriteNumber("delivery_mode"u8, durable ? 2 : 1);
        if (p.Priority is { } priority) json.WriteNumber("priority"u8, priority);
        WriteIfSet(json, "correlation_id"u8, p.CorrelationId);
        WriteIfSet(json, "reply_to"u8, p.ReplyTo);
        if (p.TimeToLiveMs is { } ttl) json.WriteString("expiration"u8, ttl.ToString(CultureInfo.InvariantCulture));
        WriteIfSet(json, "message_id"u8, p.MessageId);
        if (p.TimestampMs is { } timestamp) json.WriteNumber("timestamp"u8, timestamp / 1000);
        WriteIfSet(json, "type"u8, p.Type);
        WriteIfSet(json, "user_id"u8, p.UserId);
        WriteIfSet(json, "app_id"u8, p.AppId);
        json.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null) json.WriteString(name, value);
    }

    private static void WriteTable(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, object?>> table)
    {
        json.WriteStartObject();
        foreach (var (key, value) in table)
        {
            json.WritePropertyName(key);
            WriteValue(json, value);
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// A header value (see FieldValues.cs for the types). JSON has fewer types than AMQP: integer
    /// widths merge, binary and non-UTF-8 long strings become base64 strings, timestamps Unix seconds.
    /// </summary>
    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case sbyte or byte or short or ushort or int or uint or long: json.WriteNumberValue(FieldValue.AsLong(value)!.Value); break;
            case ulong u: json.WriteNumberValue(u); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case double or float: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case decimal m: json.WriteNumberValue(m); break;
            case DateTimeOffset t: json.WriteNumberValue(t.ToUnixTimeSeconds()); break;
            case byte[] bytes: json.WriteBase64StringValue(bytes); break;
            case RawText l: json.WriteBase64StringValue(l.Bytes); break;
            case AttributeValue a: WriteValue(json, a.Value); break;
            case MessageHeaders h: WriteTable(json, h.FirstValues()); break;
            case IEnumerable<KeyValuePair<string, object?>> table: WriteTable(json, table); break;
            case IEnumerable list:
                json.WriteStartArray();
                foreach (object? item in list) WriteValue(json, item);
                json.WriteEndArray();
                break;
            default: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

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
                case "content_type": contentType = ShortString(field); break;
                case "content_encoding": contentEncoding = ShortString(field); break;
                case "headers": headers = ReadTable(field.Value, "properties.headers"); break;
                case "delivery_mode": deliveryMode = (byte)RestBody.Integer(field, 1, 2); break;
                case "priority": priority = (byte)RestBody.Integer(field, 0, 255); break;
                case "correlation_id": correlationId = ShortString(field); break;
                case "reply_to": replyTo = ShortString(field); break;
                case "expiration":
                    expiration = field.Value.ValueKind == JsonValueKind.Number
                        ? RestBody.Integer(field, 0, long.MaxValue).ToString(CultureInfo.InvariantCulture)
                        : ShortString(field);
                    break;
                case "message_id": messageId = ShortString(field); break;
                case "timestamp": timestamp = RestBody.Integer(field, 0, long.MaxValue / 1000) * 1000; break;
                case "type": type = ShortString(field); break;
                case "user_id": userId = ShortString(field); break;
                case "app_id": appId = ShortString(field); break;
                default:
                    throw RestException.BadRequest($"unknown property '{field.Name}'; known: content_type, content_encoding, " +
                        "headers, delivery_mode, priority, correlation_id, reply_to, expiration, message_id, timestamp, type, " +
                        "user_id, app_id");
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

    private static Dictionary<string, object?> ReadTable(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object) throw RestException.BadRequest($"{path} must be a JSON object");
        var table = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var field in element.EnumerateObject()) table[field.Name] = ReadValue(field.Value, $"{path}.{field.Name}");
        return table;
    }

    /// <summary>A header value: string, bool, integer (long), other number (double), null, table, array.</summary>
    private static object? ReadValue(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.Number => element.TryGetInt64(out long l) ? l : element.GetDouble(),
        JsonValueKind.Object => ReadTable(element, path),
        JsonValueKind.Array => element.EnumerateArray().Select((item, i) => ReadValue(item, $"{path}[{i}]")).ToList(),
        _ => throw RestException.BadRequest($"{path} has an unsupported value"),
    };
}
