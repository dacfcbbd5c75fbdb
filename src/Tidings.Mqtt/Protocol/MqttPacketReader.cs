using System.Buffers;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// Cuts MQTT packets out of received bytes: a first byte (type and flags), the remaining length as a
/// Variable Byte Integer, then that many body bytes. The same for 3.1, 3.1.1 and 5.0. Use it in the
/// receive loop:
/// <code>
/// var buffer = result.Buffer;
/// while (MqttPacketReader.TryRead(ref buffer, maxPacketSize, out var packet)) Handle(packet);
/// input.AdvanceTo(buffer.Start, buffer.End);
/// </code>
/// </summary>
public static class MqttPacketReader
{
    /// <summary>The longest fixed header: one byte plus a four-byte remaining length.</summary>
    public const int MaxFixedHeaderSize = 1 + MqttVariableByteInteger.MaxSize;

    /// <summary>
    /// Takes one packet from the start of <paramref name="buffer"/> and moves <paramref name="buffer"/>
    /// past it. Returns false, leaving <paramref name="buffer"/> as it was, when the packet is not
    /// complete yet. The flags are checked and the size limit applied as soon as the fixed header is in,
    /// so an oversized packet is refused without buffering it.
    /// </summary>
    /// <param name="buffer">Received bytes; on success, what follows the packet.</param>
    /// <param name="maxPacketSize">The server's Maximum Packet Size, fixed header included; 0 = no limit
    /// but the protocol's (268,435,460 bytes).</param>
    /// <param name="packet">The packet; its body is a slice of <paramref name="buffer"/>.</param>
    /// <exception cref="MqttProtocolException">
    /// Malformed: reserved type 0, flags other than the type requires (PUBLISH: QoS 3, DUP with QoS 0),
    /// a remaining length over four bytes, PINGREQ/PINGRESP with a body.
    /// <see cref="MqttReasonCode.PacketTooLarge"/>: the packet is larger than <paramref name="maxPacketSize"/>.
    /// </exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxPacketSize, out MqttPacket packet)
    {
        packet = default;
        if (buffer.Length < 2)
        {
            return false;
        }

        scoped ReadOnlySpan<byte> header = buffer.FirstSpan;
        Span<byte> copy = stackalloc byte[MaxFixedHeaderSize];
        if (header.Length < MaxFixedHeaderSize && buffer.Length > header.Length)
        {
            int have = (int)Math.Min(MaxFixedHeaderSize, buffer.Length);
            buffer.Slice(0, have).CopyTo(copy);
            header = copy[..have];
        }

        var type = (MqttPacketType)(header[0] >> 4);
        byte flags = (byte)(header[0] & 0x0F);
        CheckFlags(type, flags);

        if (!MqttVariableByteInteger.TryRead(header[1..], out int remaining, out int lengthSize))
        {
            return false;
        }

        int size = 1 + lengthSize + remaining;
        if (maxPacketSize > 0 && size > maxPacketSize)
        {
            throw new MqttProtocolException(MqttReasonCode.PacketTooLarge, $"{type}: packet of {size} bytes is larger than the maximum packet size {maxPacketSize}");
        }

        if (remaining != 0 && type is MqttPacketType.PingReq or MqttPacketType.PingResp)
        {
            throw MqttProtocolException.Malformed($"{type} with a remaining length of {remaining} (must be 0)");
        }

        if (buffer.Length < size)
        {
            return false;
        }

        packet = new MqttPacket(type, flags, buffer.Slice(1 + lengthSize, remaining), size);
        buffer = buffer.Slice(size);
        return true;
    }

    // The flag nibble each type requires; for PUBLISH the two combinations that are malformed.
    private static void CheckFlags(MqttPacketType type, byte flags)
    {
        switch (type)
        {
            case MqttPacketType.Reserved:
                throw MqttProtocolException.Malformed("packet type 0 is reserved");
            case MqttPacketType.Publish:
                int qos = (flags >> 1) & 3;
                if (qos == 3)
                {
                    throw MqttProtocolException.Malformed("PUBLISH with QoS 3");
                }

                if (qos == 0 && (flags & 0x08) != 0)
                {
                    throw MqttProtocolException.Malformed("PUBLISH with DUP set and QoS 0");
                }

                return;
            case MqttPacketType.PubRel or MqttPacketType.Subscribe or MqttPacketType.Unsubscribe:
                if (flags != 0b0010)
                {
                    throw MqttProtocolException.Malformed($"{type} with flags {Bits(flags)} (must be 0010)");
                }

                return;
            default:
                if (flags != 0)
                {
                    throw MqttProtocolException.Malformed($"{type} with flags {Bits(flags)} (must be 0000)");
                }

                return;
        }
    }

    private static string Bits(byte flags) => Convert.ToString(flags, 2).PadLeft(4, '0');
}
