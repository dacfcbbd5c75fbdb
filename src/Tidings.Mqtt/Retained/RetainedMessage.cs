using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Retained;

/// <summary>
/// One retained message as the store keeps it: the real topic name, the payload, the QoS it was
/// published with and the MQTT 5 properties a subscriber must receive unchanged. Immutable, so a
/// lookup can hand it out while another publish replaces it. Independent of the connection layer's
/// message type: the adapter builds one from a PUBLISH with <see cref="FromPublish"/> and turns it
/// back into a PUBLISH with <see cref="ToProperties"/>.
/// </summary>
public sealed class RetainedMessage
{
    /// <summary>Creates a retained message.</summary>
    /// <param name="topic">The topic name it was published to (no wildcards).</param>
    /// <param name="payload">The payload; never empty (an empty retained payload clears the topic instead).</param>
    /// <param name="qos">The QoS it was published with.</param>
    /// <param name="storedAt">When the broker received it; the remaining expiry counts from here.</param>
    public RetainedMessage(string topic, ReadOnlyMemory<byte> payload, MqttQos qos, DateTimeOffset storedAt)
    {
        Topic = topic;
        Payload = payload;
        Qos = qos;
        StoredAt = storedAt;
    }

    /// <summary>The topic name, exactly as published.</summary>
    public string Topic { get; }
    /// <summary>The payload bytes. The store never changes them; callers must not either.</summary>
    public ReadOnlyMemory<byte> Payload { get; }
    /// <summary>QoS of the retaining PUBLISH (a delivery uses the lower of this and the subscription's).</summary>
    public MqttQos Qos { get; }
    /// <summary>When it was stored (wall clock, so it survives a restart).</summary>
    public DateTimeOffset StoredAt { get; }
    /// <summary>5.0 Payload Format Indicator (0x01), or null.</summary>
    public byte? PayloadFormatIndicator { get; init; }
    /// <summary>5.0 Message Expiry Interval (0x02) in seconds as published, or null for never.</summary>
    public uint? MessageExpiryInterval { get; init; }
    /// <summary>5.0 Content Type (0x03), or null.</summary>
    public string? ContentType { get; init; }
    /// <summary>5.0 Response Topic (0x08), or null.</summary>
    public string? ResponseTopic { get; init; }
    /// <summary>5.0 Correlation Data (0x09), or null.</summary>
    public ReadOnlyMemory<byte>? CorrelationData { get; init; }
    /// <summary>5.0 User Properties (0x26) in published order, duplicates kept; empty when none.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>True when the message expiry interval has run out at <paramref name="now"/>.</summary>
    public bool IsExpired(DateTimeOffset now) => MessageExpiryInterval is { } interval && ElapsedSeconds(now) >= interval;

    /// <summary>
    /// The Message Expiry Interval to send at <paramref name="now"/>: the published value minus the
    /// whole seconds the message has waited [MQTT-3.3.2-6]; null when it never expires. Meaningless
    /// once <see cref="IsExpired"/> is true (then 0).
    /// </summary>
    public uint? RemainingExpiry(DateTimeOffset now)
    {
        if (MessageExpiryInterval is not { } interval)
        {
            return null;
        }

        long elapsed = ElapsedSeconds(now);
        return elapsed >= interval ? 0 : (uint)(interval - elapsed);
    }

    /// <summary>
    /// The 5.0 properties to put on a PUBLISH delivering this message at <paramref name="now"/>, with the
    /// remaining expiry; null when there are none (always null-free for a 3.1.1 message with no properties).
    /// </summary>
    public MqttProperties? ToProperties(DateTimeOffset now)
    {
        if (PayloadFormatIndicator is null && MessageExpiryInterval is null && ContentType is null
            && ResponseTopic is null && CorrelationData is null && UserProperties.Count == 0)
        {
            return null;
        }

        return new MqttProperties
        {
            PayloadFormatIndicator = PayloadFormatIndicator,
            MessageExpiryInterval = RemainingExpiry(now),
            ContentType = ContentType,
            ResponseTopic = ResponseTopic,
            CorrelationData = CorrelationData?.ToArray(),
            UserProperties = UserProperties.Count == 0 ? null : [.. UserProperties],
        };
    }

    /// <summary>
    /// Builds a retained message from a PUBLISH's parts, copying the payload (a decoded PUBLISH's
    /// payload is a slice of the receive buffer) and keeping only the properties that travel with
    /// the message (not Topic Alias or Subscription Identifiers).
    /// </summary>
    public static RetainedMessage FromPublish(string topic, ReadOnlySpan<byte> payload, MqttQos qos, MqttProperties? properties, DateTimeOffset storedAt) =>
        new(topic, payload.ToArray(), qos, storedAt)
        {
            PayloadFormatIndicator = properties?.PayloadFormatIndicator,
            MessageExpiryInterval = properties?.MessageExpiryInterval,
            ContentType = properties?.ContentType,
            ResponseTopic = properties?.ResponseTopic,
            CorrelationData = properties?.CorrelationData is { } data ? data.ToArray() : null,
            UserProperties = properties?.UserProperties is { Count: > 0 } users ? [.. users] : [],
        };

    /// <summary>Bytes this message costs against <see cref="RetainedStoreOptions.MaxMessageBytes"/> and the total: payload plus properties plus topic.</summary>
    public long Size
    {
        get
        {
            long size = Payload.Length + System.Text.Encoding.UTF8.GetByteCount(Topic);
            size += ContentType is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(ContentType);
            size += ResponseTopic is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(ResponseTopic);
            size += CorrelationData?.Length ?? 0;
            foreach (var user in UserProperties)
            {
                size += System.Text.Encoding.UTF8.GetByteCount(user.Name) + System.Text.Encoding.UTF8.GetByteCount(user.Value);
            }

            return size;
        }
    }

    private long ElapsedSeconds(DateTimeOffset now)
    {
        var elapsed = now - StoredAt;
        // A clock that stepped back since the message was stored counts as no time passed.
        return elapsed <= TimeSpan.Zero ? 0 : (long)elapsed.TotalSeconds;
    }
}
