using System.Buffers;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// A PUBLISH, as decoded or to be written. A struct so that decoding one allocates nothing when the
/// topic is cached and there are no properties. <see cref="Payload"/> of a decoded packet is a slice
/// of the receive buffer: copy it into the message before advancing the buffer.
/// </summary>
public readonly struct MqttPublishPacket
{
    /// <summary>Creates a PUBLISH.</summary>
    public MqttPublishPacket(string topic, MqttQos qos, ushort packetId, ReadOnlySequence<byte> payload,
        bool retain = false, bool dup = false, MqttProperties? properties = null)
    {
        Topic = topic;
        Qos = qos;
        PacketId = packetId;
        Payload = payload;
        Retain = retain;
        Dup = dup;
        Properties = properties;
    }

    /// <summary>Topic name; empty in 5.0 when a Topic Alias stands for it.</summary>
    public string Topic { get; }
    /// <summary>QoS 0..2.</summary>
    public MqttQos Qos { get; }
    /// <summary>Packet identifier; 0 for QoS 0, non-zero otherwise.</summary>
    public ushort PacketId { get; }
    /// <summary>Application payload.</summary>
    public ReadOnlySequence<byte> Payload { get; }
    /// <summary>RETAIN flag.</summary>
    public bool Retain { get; }
    /// <summary>DUP flag (a redelivery); only with QoS &gt; 0.</summary>
    public bool Dup { get; }
    /// <summary>5.0 properties; null when none.</summary>
    public MqttProperties? Properties { get; }
}
