using System.Globalization;
using System.Text;
using Tidings.Core.Messages;
using Tidings.Mqtt.Protocol;
using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// MQTT PUBLISH properties ↔ the neutral <see cref="MessageProperties"/>, as docs/MESSAGES.md's
/// MQTT column says. What the neutral fields cannot hold (the publish QoS, the payload format
/// indicator) travels in the native encoding <see cref="NativeProtocol"/>: two bytes, QoS and
/// indicator (0xFF = absent).
/// </summary>
internal static class MqttMessageConverter
{
    /// <summary>The <see cref="NativeEncoding.Protocol"/> of messages published over MQTT.</summary>
    public const string NativeProtocol = "mqtt";

    /// <summary>Header names never sent as user properties (RabbitMQ's death bookkeeping).</summary>
    private static readonly HashSet<string> Internal = new(StringComparer.Ordinal)
    {
        "x-death", "x-first-death-reason", "x-first-death-queue", "x-first-death-exchange",
        "x-last-death-reason", "x-last-death-queue", "x-last-death-exchange",
    };

    /// <summary>
    /// The properties of a publisher's PUBLISH without 5.0 properties, by QoS and RETAIN (index
    /// qos * 2 + retain): made once per connection, so such a publish allocates nothing for them.
    /// </summary>
    public static MessageProperties[] PlainFor(ReadOnlySpan<byte> publisher)
    {
        var plain = new MessageProperties[6];
        for (int i = 0; i < plain.Length; i++)
        {
            var qos = (MqttQos)(i / 2);
            plain[i] = new MessageProperties
            {
                Durable = qos == MqttQos.AtMostOnce ? null : true,
                Native = new NativeEncoding(NativeProtocol,
                    MqttNativeBytes.Make(qos, 0xFF, (i & 1) != 0 ? MqttNativeBytes.Flags.Retain : MqttNativeBytes.Flags.None, publisher)),
            };
        }
        return plain;
    }

    /// <summary>
    /// The neutral properties of a client's PUBLISH (QoS ≥ 1 is persistent, as in RabbitMQ).
    /// <paramref name="plain"/> is <see cref="PlainFor"/> of the same publisher.
    /// </summary>
    public static MessageProperties ToNeutral(in MqttPublishPacket publish, MessageProperties[] plain,
        MqttNativeBytes.Flags flags = MqttNativeBytes.Flags.None)
    {
        var p = publish.Properties;
        if (publish.Retain) flags |= MqttNativeBytes.Flags.Retain;
        if (p is null && (flags & ~MqttNativeBytes.Flags.Retain) == 0) return plain[(int)publish.Qos * 2 + (publish.Retain ? 1 : 0)];
        var publisher = MqttNativeBytes.Of(plain[0])[MqttNativeBytes.HeaderLength..];
        var native = new NativeEncoding(NativeProtocol, MqttNativeBytes.Make(publish.Qos, p?.PayloadFormatIndicator ?? 0xFF, flags, publisher));
        if (p is null)
            return new MessageProperties { Durable = publish.Qos == MqttQos.AtMostOnce ? null : true, Native = native };
        string? correlationId = null;
        byte[]? correlationData = null;
        if (p.CorrelationData is { } data)
        {
            // Text correlation ids stay readable for AMQP consumers (correlation_id); others are binary.
            if (data.Length <= 255 && IsUtf8(data)) correlationId = Encoding.UTF8.GetString(data);
            else correlationData = data;
        }
        MessageHeaders? headers = null;
        if (p.UserProperties is { Count: > 0 } user)
        {
            var items = new MessageHeader[user.Count];
            for (int i = 0; i < items.Length; i++) items[i] = new MessageHeader(user[i].Name, user[i].Value);
            headers = new MessageHeaders(items);
        }
        return new MessageProperties
        {
            Durable = publish.Qos == MqttQos.AtMostOnce ? null : true,
            ContentType = p.ContentType,
            CorrelationId = correlationId,
            CorrelationData = correlationData,
            ReplyTo = p.ResponseTopic is { } response ? MqttAmqpTopicMapping.ToAmqp(response) : null,
            TimeToLiveMs = p.MessageExpiryInterval is { } expiry ? expiry * 1000L : null,
            Headers = headers,
            Native = native,
        };
    }

    /// <summary>The QoS the message was published with: MQTT's own, else 1 for a persistent message and 0 otherwise.</summary>
    public static MqttQos PublishedQos(MessageProperties properties) =>
        properties.Native is { Protocol: NativeProtocol } native && native.Bytes.Length >= 1
            ? (MqttQos)native.Bytes.Span[0]
            : properties.IsPersistent ? MqttQos.AtLeastOnce : MqttQos.AtMostOnce;

    /// <summary>5.0 PUBLISH properties for a delivery; null when there are none. <paramref name="nowMs"/> is the broker's Unix time.</summary>
    public static MqttProperties? ToMqtt(Message message, long nowMs)
    {
        var source = message.Properties;
        MqttProperties? p = null;
        if (source.Native is { Protocol: NativeProtocol } native && native.Bytes.Length >= 2 && native.Bytes.Span[1] != 0xFF)
            (p ??= new()).PayloadFormatIndicator = native.Bytes.Span[1];
        if (source.ContentType is { } contentType) (p ??= new()).ContentType = contentType;
        if (source.CorrelationData is { } data) (p ??= new()).CorrelationData = data;
        else if (source.CorrelationId is { } id) (p ??= new()).CorrelationData = Encoding.UTF8.GetBytes(id);
        if (source.ReplyTo is { } replyTo) (p ??= new()).ResponseTopic = MqttAmqpTopicMapping.ToMqtt(replyTo);
        if (message.ExpiresAtMs != long.MaxValue)
        {
            // The remaining lifetime, rounded up: never 0, which would mean "no expiry".
            long remaining = Math.Max(1, (message.ExpiresAtMs - nowMs + 999) / 1000);
            (p ??= new()).MessageExpiryInterval = (uint)Math.Min(remaining, uint.MaxValue);
        }
        if (source.Headers is { Count: > 0 } headers)
        {
            foreach (var header in headers)
            {
                if (Internal.Contains(header.Name)) continue;
                if (AsText(header.Value) is { } text) (p ??= new()).AddUserProperty(header.Name, text);
            }
        }
        return p;
    }

    /// <summary>A header value as user-property text; null for what user properties cannot carry (binary, tables, arrays).</summary>
    private static string? AsText(object? value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal =>
            ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture),
        AttributeValue attribute => attribute.Value as string,
        _ => null,
    };

    private static bool IsUtf8(byte[] data)
    {
        try
        {
            _ = Strict.GetCharCount(data);
            return Array.IndexOf(data, (byte)0) < 0;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);
}
