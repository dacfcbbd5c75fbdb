using System.Buffers;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// One packet cut from the received bytes by <see cref="MqttPacketReader"/>: fixed header fields and
/// the body (everything after the remaining length) as a slice of the receive buffer, valid until
/// that buffer is advanced past it. Decode it with <see cref="MqttPacketDecoder"/>.
/// </summary>
public readonly struct MqttPacket
{
    /// <summary>Creates a packet view.</summary>
    public MqttPacket(MqttPacketType type, byte flags, ReadOnlySequence<byte> body, int size)
    {
        Type = type;
        Flags = flags;
        Body = body;
        Size = size;
    }

    /// <summary>The control packet type.</summary>
    public MqttPacketType Type { get; }

    /// <summary>The low nibble of the first byte (already checked against the type).</summary>
    public byte Flags { get; }

    /// <summary>Variable header and payload.</summary>
    public ReadOnlySequence<byte> Body { get; }

    /// <summary>The whole packet's size, fixed header included (what Maximum Packet Size counts).</summary>
    public int Size { get; }
}
