using System.Buffers.Binary;
using System.Text;

namespace Tidings.MqttBench;

/// <summary>
/// The few MQTT 3.1.1 packets the generator sends, encoded by hand into byte arrays once per
/// connection (PUBLISH templates are patched in place per message: packet id, sequence number,
/// timestamp), so sending a message allocates nothing.
/// </summary>
internal static class MqttWire
{
    public const byte ConnAck = 0x20;
    public const byte Publish = 0x30;
    public const byte PubAck = 0x40;
    public const byte SubAck = 0x90;

    /// <summary>Bytes of the payload the generator reads back: sequence number, then Stopwatch timestamp.</summary>
    public const int PayloadHeader = 16;

    public static byte[] Connect(string clientId, bool cleanSession, ushort keepAliveSeconds)
    {
        var id = Encoding.UTF8.GetBytes(clientId);
        // Variable header: "MQTT", level 4, flags, keep alive; payload: the client id.
        int remaining = 10 + 2 + id.Length;
        var packet = new List<byte> { 0x10 };
        AppendLength(packet, remaining);
        packet.AddRange([0, 4, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 4, cleanSession ? (byte)0x02 : (byte)0x00,
            (byte)(keepAliveSeconds >> 8), (byte)keepAliveSeconds]);
        AppendString(packet, id);
        return [.. packet];
    }

    public static byte[] Subscribe(ushort packetId, string filter, int qos)
    {
        var topic = Encoding.UTF8.GetBytes(filter);
        var packet = new List<byte> { 0x82 };
        AppendLength(packet, 2 + 2 + topic.Length + 1);
        packet.Add((byte)(packetId >> 8));
        packet.Add((byte)packetId);
        AppendString(packet, topic);
        packet.Add((byte)qos);
        return [.. packet];
    }

    public static readonly byte[] Disconnect = [0xE0, 0x00];

    /// <summary>A PUBLISH whose payload is <paramref name="size"/> bytes; patch it with <see cref="Stamp"/>.</summary>
    public static PublishTemplate PublishTemplate(string topicName, int qos, int size)
    {
        var topic = Encoding.UTF8.GetBytes(topicName);
        int remaining = 2 + topic.Length + (qos > 0 ? 2 : 0) + size;
        var packet = new List<byte> { (byte)(Publish | (qos << 1)) };
        AppendLength(packet, remaining);
        AppendString(packet, topic);
        int packetIdOffset = packet.Count;
        if (qos > 0) packet.AddRange([0, 1]);
        int payloadOffset = packet.Count;
        packet.AddRange(new byte[size]);
        return new PublishTemplate([.. packet], qos > 0 ? packetIdOffset : -1, payloadOffset);
    }

    public static void WritePubAck(Span<byte> destination, ushort packetId)
    {
        destination[0] = PubAck;
        destination[1] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], packetId);
    }

    /// <summary>Reads a fixed header at the start of <paramref name="buffer"/>: false when it is not all there yet.</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> buffer, out byte first, out int headerLength, out int remaining)
    {
        first = 0;
        headerLength = 0;
        remaining = 0;
        if (buffer.Length < 2) return false;
        first = buffer[0];
        int multiplier = 1;
        for (int i = 1; i < 5; i++)
        {
            if (i >= buffer.Length) return false;
            byte b = buffer[i];
            remaining += (b & 0x7F) * multiplier;
            if ((b & 0x80) == 0)
            {
                headerLength = i + 1;
                return true;
            }
            multiplier *= 128;
        }
        throw new InvalidDataException("remaining length longer than four bytes");
    }

    private static void AppendLength(List<byte> packet, int length)
    {
        do
        {
            byte b = (byte)(length % 128);
            length /= 128;
            if (length > 0) b |= 0x80;
            packet.Add(b);
        }
        while (length > 0);
    }

    private static void AppendString(List<byte> packet, byte[] value)
    {
        packet.Add((byte)(value.Length >> 8));
        packet.Add((byte)value.Length);
        packet.AddRange(value);
    }
}

/// <summary>A pre-encoded PUBLISH: <see cref="Stamp"/> writes the packet id, sequence number and send time in place.</summary>
internal sealed class PublishTemplate(byte[] packet, int packetIdOffset, int payloadOffset)
{
    public byte[] Packet { get; } = packet;

    public void Stamp(ushort packetId, long sequence, long timestamp) => Stamp(Packet, 0, packetId, sequence, timestamp);

    /// <summary>Stamps a copy of the packet that starts at <paramref name="offset"/> of <paramref name="buffer"/>.</summary>
    public void Stamp(byte[] buffer, int offset, ushort packetId, long sequence, long timestamp)
    {
        if (packetIdOffset >= 0) BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(offset + packetIdOffset), packetId);
        var payload = buffer.AsSpan(offset + payloadOffset);
        if (payload.Length >= 8) BinaryPrimitives.WriteInt64LittleEndian(payload, sequence);
        if (payload.Length >= MqttWire.PayloadHeader) BinaryPrimitives.WriteInt64LittleEndian(payload[8..], timestamp);
    }
}
