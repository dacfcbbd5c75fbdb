namespace Tidings.Mqtt.Protocol;

/// <summary>
/// The options byte after a topic filter in SUBSCRIBE: bits 0–1 maximum QoS, then (5.0 only) bit 2
/// No Local, bit 3 Retain As Published, bits 4–5 Retain Handling; bits 6–7 reserved.
/// </summary>
public readonly record struct MqttSubscriptionOptions(
    MqttQos Qos,
    bool NoLocal = false,
    bool RetainAsPublished = false,
    MqttRetainHandling RetainHandling = MqttRetainHandling.SendAtSubscribe)
{
    /// <summary>The encoded byte.</summary>
    public byte ToByte() => (byte)((byte)Qos | (NoLocal ? 0x04 : 0) | (RetainAsPublished ? 0x08 : 0) | ((byte)RetainHandling << 4));

    /// <summary>Parses the byte with the rules of <paramref name="version"/>.</summary>
    /// <exception cref="MqttProtocolException">
    /// Malformed: QoS 3; reserved bits set (in 3.1.1 everything above bit 1). Protocol error: Retain Handling 3.
    /// </exception>
    public static MqttSubscriptionOptions Parse(byte value, MqttProtocolVersion version)
    {
        int qos = value & 0x03;
        if (qos == 3)
        {
            throw MqttProtocolException.Malformed("SUBSCRIBE: subscription QoS 3");
        }

        if (version != MqttProtocolVersion.V500)
        {
            return (value & 0xFC) == 0
                ? new MqttSubscriptionOptions((MqttQos)qos)
                : throw MqttProtocolException.Malformed($"SUBSCRIBE: requested QoS byte 0x{value:X2} has reserved bits set");
        }

        if ((value & 0xC0) != 0)
        {
            throw MqttProtocolException.Malformed($"SUBSCRIBE: subscription options 0x{value:X2} have reserved bits set");
        }

        int retainHandling = (value >> 4) & 0x03;
        if (retainHandling == 3)
        {
            throw MqttProtocolException.Protocol("SUBSCRIBE: retain handling 3");
        }

        return new MqttSubscriptionOptions((MqttQos)qos, (value & 0x04) != 0, (value & 0x08) != 0, (MqttRetainHandling)retainHandling);
    }
}
