using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// Writes the packets a server sends straight into an <see cref="IBufferWriter{T}"/> (a PipeWriter in
/// the server), with the rules of the connection's version: 3.x packets carry no reason codes or
/// properties (those arguments are ignored), 5.0 acknowledgements use the short form when they can.
/// Each method returns the packet's size. PUBLISH and the acknowledgements allocate nothing.
/// Use <see cref="GetPublishSize"/> to check a client's Maximum Packet Size first: a PUBLISH too large
/// for it is dropped for that client, not sent.
/// </summary>
public static class MqttPacketWriter
{
    /// <summary>The two bytes of PINGRESP.</summary>
    public static ReadOnlySpan<byte> PingRespPacket => [(byte)MqttPacketType.PingResp << 4, 0];

    /// <summary>
    /// Writes CONNACK. <paramref name="reason"/> is in 5.0 terms; a 3.x client gets the return code
    /// <see cref="MqttConnAckCodes.ToV311"/> maps it to. Session Present is written only on success.
    /// </summary>
    /// <exception cref="ArgumentException">A 3.x CONNACK for a reason 3.x answers by closing (malformed, protocol error).</exception>
    public static int WriteConnAck(IBufferWriter<byte> writer, MqttProtocolVersion version, bool sessionPresent, MqttReasonCode reason, MqttProperties? properties = null)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        byte code = v5
            ? (byte)reason
            : (byte)(MqttConnAckCodes.ToV311(reason) ?? throw new ArgumentException($"3.1.1 has no CONNACK for {reason}: close the connection instead", nameof(reason)));
        int propertiesSize = v5 ? MqttPropertiesWriter.GetContentSize(properties) : 0;
        int remaining = 2 + (v5 ? MqttPropertiesWriter.GetBlockSize(propertiesSize) : 0);
        var w = Begin(writer, MqttPacketType.ConnAck, 0, remaining, out int total, out var span);
        w.WriteByte(sessionPresent && reason == MqttReasonCode.Success ? (byte)1 : (byte)0);
        w.WriteByte(code);
        if (v5)
        {
            MqttPropertiesWriter.Write(ref w, properties, propertiesSize);
        }

        return End(writer, ref w, total);
    }

    /// <summary>
    /// The whole PUBLISH's size (fixed header included), as <see cref="WritePublish"/> would write it,
    /// to compare with the client's Maximum Packet Size.
    /// </summary>
    public static int GetPublishSize(MqttProtocolVersion version, in MqttPublishPacket packet, ReadOnlySpan<int> subscriptionIds = default, ushort topicAlias = 0)
    {
        int remaining = GetPublishRemaining(version, packet, subscriptionIds, topicAlias, out _, out _);
        return 1 + MqttVariableByteInteger.GetSize(remaining) + remaining;
    }

    /// <summary>
    /// Writes a PUBLISH. <paramref name="subscriptionIds"/> (5.0) are added as Subscription Identifier
    /// properties after those in the packet's properties: the identifiers of the subscriptions a
    /// forwarded message matched; a non-zero <paramref name="topicAlias"/> (5.0) is added as its Topic
    /// Alias (with the packet's topic empty once the client knows the alias).
    /// </summary>
    /// <exception cref="ArgumentException">The topic is over 65,535 bytes, QoS and packet id disagree, or the packet is over the protocol's size limit.</exception>
    public static int WritePublish(IBufferWriter<byte> writer, MqttProtocolVersion version, in MqttPublishPacket packet, ReadOnlySpan<int> subscriptionIds = default, ushort topicAlias = 0)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        if ((packet.Qos == MqttQos.AtMostOnce) != (packet.PacketId == 0) || (packet.Dup && packet.Qos == MqttQos.AtMostOnce))
        {
            throw new ArgumentException($"PUBLISH QoS {(int)packet.Qos} with packet id {packet.PacketId}, DUP {packet.Dup}", nameof(packet));
        }

        int remaining = GetPublishRemaining(version, packet, subscriptionIds, topicAlias, out int topicBytes, out int propertiesSize);
        int payloadLength = (int)packet.Payload.Length;
        int headerSize = 1 + MqttVariableByteInteger.GetSize(remaining) + remaining - payloadLength;
        var span = writer.GetSpan(headerSize);
        var w = new MqttSpanWriter(span);
        w.WriteByte((byte)(((int)MqttPacketType.Publish << 4) | (packet.Dup ? 0x08 : 0) | ((int)packet.Qos << 1) | (packet.Retain ? 0x01 : 0)));
        w.WriteVariableByteInteger(remaining);
        w.WriteUInt16((ushort)topicBytes);
        Encoding.UTF8.GetBytes(packet.Topic, span[w.Position..]);
        var rest = new MqttSpanWriter(span[(w.Position + topicBytes)..]);
        if (packet.Qos != MqttQos.AtMostOnce)
        {
            rest.WriteUInt16(packet.PacketId);
        }

        if (v5)
        {
            MqttPropertiesWriter.Write(ref rest, packet.Properties, propertiesSize, subscriptionIds, topicAlias);
        }

        Debug.Assert(w.Position + topicBytes + rest.Position == headerSize, "PUBLISH header size");
        writer.Advance(headerSize);
        foreach (var segment in packet.Payload)
        {
            writer.Write(segment.Span);
        }

        return headerSize + payloadLength;
    }

    /// <summary>
    /// Writes PUBACK, PUBREC, PUBREL or PUBCOMP. 5.0: success without properties is the 2-byte short
    /// form, a reason without properties omits the property length; 3.x: always the packet id only.
    /// </summary>
    public static int WritePublishAck(IBufferWriter<byte> writer, MqttProtocolVersion version, in MqttPublishAckPacket packet)
    {
        if (packet.Type is not (MqttPacketType.PubAck or MqttPacketType.PubRec or MqttPacketType.PubRel or MqttPacketType.PubComp))
        {
            throw new ArgumentException($"{packet.Type} is not a publish acknowledgement", nameof(packet));
        }

        bool v5 = version == MqttProtocolVersion.V500;
        int propertiesSize = v5 ? MqttPropertiesWriter.GetContentSize(packet.Properties) : 0;
        bool withReason = v5 && (packet.ReasonCode != MqttReasonCode.Success || propertiesSize != 0);
        int remaining = 2 + (withReason ? 1 : 0) + (propertiesSize != 0 ? MqttPropertiesWriter.GetBlockSize(propertiesSize) : 0);
        byte flags = packet.Type == MqttPacketType.PubRel ? (byte)0b0010 : (byte)0;
        var w = Begin(writer, packet.Type, flags, remaining, out int total, out _);
        w.WriteUInt16(packet.PacketId);
        if (withReason)
        {
            w.WriteByte((byte)packet.ReasonCode);
        }

        if (propertiesSize != 0)
        {
            MqttPropertiesWriter.Write(ref w, packet.Properties, propertiesSize);
        }

        return End(writer, ref w, total);
    }

    /// <summary>
    /// Writes SUBACK with one code per filter. 3.x: granted QoS 0..2, and any failure (≥ 0x80) becomes
    /// 0x80; 5.0: the reason codes as given, plus properties.
    /// </summary>
    public static int WriteSubAck(IBufferWriter<byte> writer, MqttProtocolVersion version, ushort packetId, ReadOnlySpan<MqttReasonCode> reasons, MqttProperties? properties = null)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        int propertiesSize = v5 ? MqttPropertiesWriter.GetContentSize(properties) : 0;
        int remaining = 2 + (v5 ? MqttPropertiesWriter.GetBlockSize(propertiesSize) : 0) + reasons.Length;
        var w = Begin(writer, MqttPacketType.SubAck, 0, remaining, out int total, out _);
        w.WriteUInt16(packetId);
        if (v5)
        {
            MqttPropertiesWriter.Write(ref w, properties, propertiesSize);
        }

        foreach (var reason in reasons)
        {
            w.WriteByte(v5 || reason <= MqttReasonCode.GrantedQos2 ? (byte)reason : (byte)0x80);
        }

        return End(writer, ref w, total);
    }

    /// <summary>Writes UNSUBACK: 3.x the packet id only; 5.0 properties and one reason code per filter.</summary>
    public static int WriteUnsubAck(IBufferWriter<byte> writer, MqttProtocolVersion version, ushort packetId, ReadOnlySpan<MqttReasonCode> reasons, MqttProperties? properties = null)
    {
        bool v5 = version == MqttProtocolVersion.V500;
        int propertiesSize = v5 ? MqttPropertiesWriter.GetContentSize(properties) : 0;
        int remaining = 2 + (v5 ? MqttPropertiesWriter.GetBlockSize(propertiesSize) + reasons.Length : 0);
        var w = Begin(writer, MqttPacketType.UnsubAck, 0, remaining, out int total, out _);
        w.WriteUInt16(packetId);
        if (v5)
        {
            MqttPropertiesWriter.Write(ref w, properties, propertiesSize);
            foreach (var reason in reasons)
            {
                w.WriteByte((byte)reason);
            }
        }

        return End(writer, ref w, total);
    }

    /// <summary>Writes PINGRESP.</summary>
    public static int WritePingResp(IBufferWriter<byte> writer)
    {
        writer.Write(PingRespPacket);
        return PingRespPacket.Length;
    }

    /// <summary>Writes a 5.0 DISCONNECT (a 3.x server never sends one); the empty form for a normal disconnection without properties.</summary>
    public static int WriteDisconnect(IBufferWriter<byte> writer, MqttReasonCode reason, MqttProperties? properties = null) =>
        WriteReasonAndProperties(writer, MqttPacketType.Disconnect, reason, properties);

    /// <summary>Writes AUTH (5.0); the empty form for success without properties.</summary>
    public static int WriteAuth(IBufferWriter<byte> writer, MqttReasonCode reason, MqttProperties? properties = null) =>
        WriteReasonAndProperties(writer, MqttPacketType.Auth, reason, properties);

    private static int WriteReasonAndProperties(IBufferWriter<byte> writer, MqttPacketType type, MqttReasonCode reason, MqttProperties? properties)
    {
        int propertiesSize = MqttPropertiesWriter.GetContentSize(properties);
        bool withReason = reason != MqttReasonCode.Success || propertiesSize != 0;
        int remaining = (withReason ? 1 : 0) + (propertiesSize != 0 ? MqttPropertiesWriter.GetBlockSize(propertiesSize) : 0);
        var w = Begin(writer, type, 0, remaining, out int total, out _);
        if (withReason)
        {
            w.WriteByte((byte)reason);
        }

        if (propertiesSize != 0)
        {
            MqttPropertiesWriter.Write(ref w, properties, propertiesSize);
        }

        return End(writer, ref w, total);
    }

    private static int GetPublishRemaining(MqttProtocolVersion version, in MqttPublishPacket packet, ReadOnlySpan<int> subscriptionIds, ushort topicAlias, out int topicBytes, out int propertiesSize)
    {
        topicBytes = Encoding.UTF8.GetByteCount(packet.Topic);
        if (topicBytes > MqttUtf8.MaxBytes)
        {
            throw new ArgumentException($"PUBLISH topic of {topicBytes} UTF-8 bytes (at most {MqttUtf8.MaxBytes})", nameof(packet));
        }

        propertiesSize = 0;
        long remaining = 2 + topicBytes + (packet.Qos != MqttQos.AtMostOnce ? 2 : 0) + packet.Payload.Length;
        if (version == MqttProtocolVersion.V500)
        {
            propertiesSize = MqttPropertiesWriter.GetContentSize(packet.Properties, subscriptionIds, topicAlias);
            remaining += MqttPropertiesWriter.GetBlockSize(propertiesSize);
        }

        return remaining <= MqttVariableByteInteger.MaxValue
            ? (int)remaining
            : throw new ArgumentException($"PUBLISH of {remaining} bytes exceeds the protocol's limit", nameof(packet));
    }

    private static MqttSpanWriter Begin(IBufferWriter<byte> writer, MqttPacketType type, byte flags, int remaining, out int total, out Span<byte> span)
    {
        total = 1 + MqttVariableByteInteger.GetSize(remaining) + remaining;
        span = writer.GetSpan(total)[..total];
        var w = new MqttSpanWriter(span);
        w.WriteByte((byte)(((int)type << 4) | flags));
        w.WriteVariableByteInteger(remaining);
        return w;
    }

    private static int End(IBufferWriter<byte> writer, ref MqttSpanWriter w, int total)
    {
        Debug.Assert(w.Position == total, $"wrote {w.Position} bytes, sized {total}");
        writer.Advance(total);
        return total;
    }
}
