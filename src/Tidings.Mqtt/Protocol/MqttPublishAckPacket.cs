namespace Tidings.Mqtt.Protocol;

/// <summary>PUBACK, PUBREC, PUBREL or PUBCOMP: a packet identifier, and in 5.0 a reason code and properties.</summary>
public readonly struct MqttPublishAckPacket
{
    /// <summary>Creates one.</summary>
    public MqttPublishAckPacket(MqttPacketType type, ushort packetId, MqttReasonCode reasonCode = MqttReasonCode.Success, MqttProperties? properties = null)
    {
        Type = type;
        PacketId = packetId;
        ReasonCode = reasonCode;
        Properties = properties;
    }

    /// <summary>Which of the four.</summary>
    public MqttPacketType Type { get; }
    /// <summary>The PUBLISH's packet identifier.</summary>
    public ushort PacketId { get; }
    /// <summary>Success when absent (3.1.1, or the 5.0 short form).</summary>
    public MqttReasonCode ReasonCode { get; }
    /// <summary>5.0 properties (reason string, user properties); null when none.</summary>
    public MqttProperties? Properties { get; }
}
