using System.Text;
using System.Text.Json;
using Tidings.Core.Messages;
using Tidings.Http.Common;
using Fields = System.Collections.Generic.Dictionary<string, object?>;

namespace Tidings.Http.Management;

/// <summary>Message properties and payloads as the publish and get endpoints carry them.</summary>
internal static class MessageJson
{
    /// <summary>The set properties, with RabbitMQ's names (content_type, delivery_mode, headers…).</summary>
    public static Fields Properties(MessageProperties p)
    {
        var fields = new Fields(StringComparer.Ordinal);
        void Add(string name, object? value)
        {
            if (value is not null) fields[name] = value;
        }
        Add("content_type", p.ContentType);
        Add("content_encoding", p.ContentEncoding);
        Add("priority", p.Priority is { } priority ? (int)priority : null);
        Add("correlation_id", p.CorrelationId);
        Add("reply_to", p.ReplyTo);
        Add("expiration", p.TimeToLiveMs?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("message_id", p.MessageId);
        Add("timestamp", p.TimestampMs is { } ms ? ms / 1000 : null);
        Add("type", p.Type);
        Add("user_id", p.UserId);
        Add("app_id", p.AppId);
        Add("delivery_mode", p.Durable is { } durable ? (durable ? 2 : 1) : null);
        if (p.Headers is { } headers) fields["headers"] = Json.FromTable(headers.FirstValues());
        return fields;
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
            ContentType = Text("content_type"),
            ContentEncoding = Text("content_encoding"),
            Headers = json.TryGetProperty("headers", out var h) && h.ValueKind != JsonValueKind.Null ? MessageHeaders.From(Json.ToTable(h, "headers")) : null,
            Durable = Byte("delivery_mode") is { } mode ? mode == 2 : null,
            Priority = Byte("priority"),
            CorrelationId = Text("correlation_id"),
            ReplyTo = Text("reply_to"),
            TimeToLiveMs = Tidings.Core.Limits.BrokerLimits.ParseExpiration(Text("expiration")),
            MessageId = Text("message_id"),
            TimestampMs = json.TryGetProperty("timestamp", out var t) && t.ValueKind != JsonValueKind.Null
                ? Json.AsLong(t, "timestamp") * 1000 : null,
            Type = Text("type"),
            UserId = Text("user_id"),
            AppId = Text("app_id"),
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
