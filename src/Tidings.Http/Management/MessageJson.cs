using System.Text;
using System.Text.Json;
using Tidings.Core.Messages;
using Tidings.Http.Common;
using System.Text.Json.Serialization;
using Tidings.Core.Definitions;
using N = Tidings.Http.Common.MessagePropertyNames;

namespace Tidings.Http.Management;

/// <summary>Message properties and payloads as the publish and get endpoints carry them.</summary>
internal static class MessageJson
{
    /// <summary>The set properties, with RabbitMQ's names (MessagePropertiesJson), headers as the management API shows values.</summary>
    public static object Properties(MessageProperties p) => new PropertiesValue(p);

    [JsonConverter(typeof(PropertiesConverter))]
    private sealed record PropertiesValue(MessageProperties Properties);

    private sealed class PropertiesConverter : JsonConverter<PropertiesValue>
    {
        public override PropertiesValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("properties are written, not read");

        public override void Write(Utf8JsonWriter writer, PropertiesValue value, JsonSerializerOptions options) =>
            MessagePropertiesJson.Write(writer, value.Properties, FieldJsonStyle.Display);
    }

    /// <summary>Reads the "properties" object of a publish; unknown keys are ignored, as RabbitMQ does.</summary>
    public static MessageProperties ParseProperties(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) throw Bad("properties must be an object");
        string? Text(string key) => json.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? Json.AsString(v, key) : null;
        byte? Byte(string key)
        {
            if (!json.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
            long value = Json.AsLong(v, key);
            if (value is < 0 or > 255) throw Bad($"{key} must be between 0 and 255");
            return (byte)value;
        }
        return new MessageProperties
        {
            ContentType = Text(N.ContentType),
            ContentEncoding = Text(N.ContentEncoding),
            Headers = json.TryGetProperty(N.Headers, out var h) && h.ValueKind != JsonValueKind.Null ? MessageHeaders.From(Json.ToTable(h, N.Headers)) : null,
            Durable = Byte(N.DeliveryMode) is { } mode ? mode == 2 : null,
            Priority = Byte(N.Priority),
            CorrelationId = Text(N.CorrelationId),
            ReplyTo = Text(N.ReplyTo),
            TimeToLiveMs = Tidings.Core.Limits.BrokerLimits.ParseExpiration(Text(N.Expiration)),
            MessageId = Text(N.MessageId),
            TimestampMs = json.TryGetProperty(N.Timestamp, out var t) && t.ValueKind != JsonValueKind.Null
                ? Json.AsLong(t, N.Timestamp) * 1000 : null,
            Type = Text(N.Type),
            UserId = Text(N.UserId),
            AppId = Text(N.AppId),
        };
    }

    /// <summary>A publish payload: "string" is UTF-8 text, "base64" is decoded.</summary>
    public static byte[] ParsePayload(string payload, string encoding) => encoding switch
    {
        "string" => Encoding.UTF8.GetBytes(payload),
        "base64" => FromBase64(payload),
        _ => throw Bad($"unsupported payload_encoding '{encoding}': use string or base64"),
    };

    private static byte[] FromBase64(string payload)
    {
        try
        {
            return Convert.FromBase64String(payload);
        }
        catch (FormatException)
        {
            throw Bad("payload is not valid base64");
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// A payload for a get reply: with "auto", UTF-8 text when it decodes, else base64; with
    /// "base64", always base64. <paramref name="truncate"/> cuts the bytes first.
    /// </summary>
    public static (string Payload, string Encoding) FormatPayload(ReadOnlySpan<byte> body, bool auto, long? truncate)
    {
        if (truncate is { } max && body.Length > max) body = body[..(int)Math.Max(0, max)];
        if (auto)
        {
            try
            {
                return (StrictUtf8.GetString(body), "string");
            }
            catch (DecoderFallbackException)
            {
                // Not text: fall through to base64.
            }
        }
        return (Convert.ToBase64String(body), "base64");
    }

    private static ApiError Bad(string reason) => new(HttpErrors.BadRequest(reason));
}
