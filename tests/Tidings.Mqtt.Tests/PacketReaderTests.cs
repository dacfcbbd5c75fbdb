using System.Buffers;
using Tidings.Mqtt.Protocol;
using static Tidings.Mqtt.Tests.Bytes;

namespace Tidings.Mqtt.Tests;

public sealed class PacketReaderTests
{
    [Theory]
    [InlineData(0, new byte[] { 0x00 })]
    [InlineData(127, new byte[] { 0x7F })]
    [InlineData(128, new byte[] { 0x80, 0x01 })]
    [InlineData(16_383, new byte[] { 0xFF, 0x7F })]
    [InlineData(16_384, new byte[] { 0x80, 0x80, 0x01 })]
    [InlineData(2_097_151, new byte[] { 0xFF, 0xFF, 0x7F })]
    [InlineData(2_097_152, new byte[] { 0x80, 0x80, 0x80, 0x01 })]
    [InlineData(268_435_455, new byte[] { 0xFF, 0xFF, 0xFF, 0x7F })]
    public void Variable_byte_integer_round_trips_the_specification_examples(int value, byte[] encoded)
    {
        Span<byte> buffer = stackalloc byte[4];
        int n = MqttVariableByteInteger.Write(buffer, value);
        Assert.Equal(encoded, buffer[..n].ToArray());
        Assert.Equal(n, MqttVariableByteInteger.GetSize(value));
        Assert.True(MqttVariableByteInteger.TryRead(encoded, out int read, out int size));
        Assert.Equal(value, read);
        Assert.Equal(encoded.Length, size);
    }

    [Fact]
    public void Remaining_length_with_a_fifth_byte_is_malformed()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 });
        Throws(() => MqttPacketReader.TryRead(ref buffer, 0, out _), MqttReasonCode.MalformedPacket);
    }

    [Fact]
    public void Remaining_length_cut_short_needs_more_data()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x30, 0xFF, 0xFF });
        Assert.False(MqttPacketReader.TryRead(ref buffer, 0, out _));
        Assert.Equal(3, buffer.Length);
    }

    [Theory]
    [InlineData(0x00)] // reserved type 0
    [InlineData(0x11)] // CONNECT with flags
    [InlineData(0x40 | 0x02)] // PUBACK with flags
    [InlineData(0x60)] // PUBREL without 0010
    [InlineData(0x80)] // SUBSCRIBE without 0010
    [InlineData(0x83)] // SUBSCRIBE 0011
    [InlineData(0xA0)] // UNSUBSCRIBE without 0010
    [InlineData(0xC1)] // PINGREQ with flags
    [InlineData(0xE8)] // DISCONNECT with flags
    [InlineData(0x36)] // PUBLISH QoS 3
    [InlineData(0x38)] // PUBLISH DUP with QoS 0
    [InlineData(0x39)] // PUBLISH DUP, RETAIN, QoS 0
    public void Bad_fixed_header_flags_are_malformed(byte first)
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { first, 0x00 });
        Throws(() => MqttPacketReader.TryRead(ref buffer, 0, out _), MqttReasonCode.MalformedPacket);
    }

    [Theory]
    [InlineData(0x30)]
    [InlineData(0x31)]
    [InlineData(0x3A)] // DUP QoS 1
    [InlineData(0x3D)] // DUP QoS 2 RETAIN
    [InlineData(0x62)]
    [InlineData(0x82)]
    [InlineData(0xA2)]
    public void Required_flags_are_accepted(byte first)
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { first, 0x00 });
        Assert.True(MqttPacketReader.TryRead(ref buffer, 0, out var packet));
        Assert.Equal((MqttPacketType)(first >> 4), packet.Type);
        Assert.Equal(first & 0x0F, packet.Flags);
    }

    [Fact]
    public void Pingreq_with_a_body_is_malformed()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0xC0, 0x01, 0x00 });
        Throws(() => MqttPacketReader.TryRead(ref buffer, 0, out _), MqttReasonCode.MalformedPacket);
    }

    [Fact]
    public void Packet_above_the_maximum_size_is_refused_from_its_header_alone()
    {
        // Header says 1000 body bytes; only 3 have arrived.
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0x30, 0xE8, 0x07, 0x00 });
        var error = Throws(() => MqttPacketReader.TryRead(ref buffer, 1000, out _), MqttReasonCode.PacketTooLarge);
        Assert.False(error.IsMalformed);
    }

    [Fact]
    public void Packet_exactly_at_the_maximum_size_is_accepted()
    {
        byte[] bytes = Packet(0x30, Str("t"), new byte[10]); // 1 + 1 + 13 = 15
        Assert.Equal(15, bytes.Length);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(MqttPacketReader.TryRead(ref buffer, 15, out var packet));
        Assert.Equal(15, packet.Size);
        buffer = new ReadOnlySequence<byte>(bytes);
        Throws(() => MqttPacketReader.TryRead(ref buffer, 14, out _), MqttReasonCode.PacketTooLarge);
    }

    [Fact]
    public void Truncated_packets_need_more_data_at_every_byte_boundary()
    {
        byte[] bytes = Packet(0x32, Str("sensors/a"), U16(7), new byte[200]);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(MqttPacketReader.TryRead(ref buffer, 0, out _));
            Assert.Equal(cut, buffer.Length);
        }

        var whole = new ReadOnlySequence<byte>(bytes);
        Assert.True(MqttPacketReader.TryRead(ref whole, 0, out _));
    }

    [Fact]
    public void Packets_arriving_byte_by_byte_decode_the_same()
    {
        byte[] one = Packet(0x32, Str("a/b"), U16(1), "hello"u8.ToArray());
        byte[] two = Packet(0xC0);
        byte[] three = Packet(0x62, U16(9));
        byte[] stream = [.. one, .. two, .. three];

        var decoder = new MqttPacketDecoder(MqttProtocolVersion.V311);
        var seen = new List<MqttPacketType>();
        var received = new List<byte>();
        foreach (byte b in stream)
        {
            received.Add(b);
            var buffer = Fragmented([.. received]);
            long before = buffer.Length;
            while (MqttPacketReader.TryRead(ref buffer, 0, out var packet))
            {
                seen.Add(packet.Type);
                if (packet.Type == MqttPacketType.Publish)
                {
                    var publish = decoder.DecodePublish(packet);
                    Assert.Equal("a/b", publish.Topic);
                    Assert.Equal("hello"u8.ToArray(), publish.Payload.ToArray());
                }
            }

            received.RemoveRange(0, (int)(before - buffer.Length));
        }

        Assert.Equal([MqttPacketType.Publish, MqttPacketType.PingReq, MqttPacketType.PubRel], seen);
        Assert.Empty(received);
    }

    [Fact]
    public void A_fragmented_remaining_length_is_read_across_segments()
    {
        byte[] bytes = Packet(0x30, Str("t"), new byte[300]); // remaining length needs two bytes
        var buffer = Fragmented(bytes);
        Assert.True(MqttPacketReader.TryRead(ref buffer, 0, out var packet));
        Assert.Equal(303, packet.Body.Length);
        Assert.True(buffer.IsEmpty);
    }
}
