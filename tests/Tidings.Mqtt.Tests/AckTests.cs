using System.Buffers;

using MQTTnet.Protocol;
using Tidings.Mqtt.Protocol;
using static Tidings.Mqtt.Tests.Bytes;
using MqttProtocolVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;

using MqttPubAckPacket = MQTTnet.Packets.MqttPubAckPacket;
using MqttPubRecPacket = MQTTnet.Packets.MqttPubRecPacket;
using MqttPubRelPacket = MQTTnet.Packets.MqttPubRelPacket;
using MqttPubCompPacket = MQTTnet.Packets.MqttPubCompPacket;
using MqttPacketWithIdentifier = MQTTnet.Packets.MqttPacketWithIdentifier;
namespace Tidings.Mqtt.Tests;

public sealed class AckTests
{
    public static TheoryData<MqttPacketType> AckTypes => [MqttPacketType.PubAck, MqttPacketType.PubRec, MqttPacketType.PubRel, MqttPacketType.PubComp];

    private static byte First(MqttPacketType type) => (byte)(((int)type << 4) | (type == MqttPacketType.PubRel ? 2 : 0));

    [Theory]
    [MemberData(nameof(AckTypes))]
    public void Short_form_with_remaining_length_2_means_success(MqttPacketType type)
    {
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            var ack = new MqttPacketDecoder(version).DecodePublishAck(Read(Packet(First(type), U16(300))));
            Assert.Equal(type, ack.Type);
            Assert.Equal(300, ack.PacketId);
            Assert.Equal(MqttReasonCode.Success, ack.ReasonCode);
            Assert.Null(ack.Properties);
        }
    }

    [Theory]
    [MemberData(nameof(AckTypes))]
    public void Success_without_properties_is_written_in_the_short_form(MqttPacketType type)
    {
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WritePublishAck(w, MqttProtocolVersion.V500, new MqttPublishAckPacket(type, 5)));
        Assert.Equal([First(type), 2, 0, 5], bytes);
    }

    [Fact]
    public void Reason_without_properties_omits_the_property_length()
    {
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WritePublishAck(w, MqttProtocolVersion.V500, new MqttPublishAckPacket(MqttPacketType.PubRec, 5, MqttReasonCode.QuotaExceeded)));
        Assert.Equal([0x50, 3, 0, 5, 0x97], bytes);
        var back = new MqttPacketDecoder(MqttProtocolVersion.V500).DecodePublishAck(Read(bytes));
        Assert.Equal(MqttReasonCode.QuotaExceeded, back.ReasonCode);
    }

    [Theory]
    [MemberData(nameof(AckTypes))]
    public void Acks_we_write_decode_in_MQTTnet_for_both_versions(MqttPacketType type)
    {
        var reason = type is MqttPacketType.PubRel or MqttPacketType.PubComp ? MqttReasonCode.PacketIdentifierNotFound : MqttReasonCode.NotAuthorized;
        var properties = new MqttProperties { ReasonString = "no" }.AddUserProperty("a", "1");
        var ack = new MqttPublishAckPacket(type, 1234, reason, properties);

        var v5 = MqttNet.Decode(MqttNet.Written(w => MqttPacketWriter.WritePublishAck(w, MqttProtocolVersion.V500, ack)), MqttProtocolVersion.V500);
        var v3 = MqttNet.Decode(MqttNet.Written(w => MqttPacketWriter.WritePublishAck(w, MqttProtocolVersion.V311, ack)), MqttProtocolVersion.V311);
        Assert.Equal(1234, ((MqttPacketWithIdentifier)v5).PacketIdentifier);
        Assert.Equal(1234, ((MqttPacketWithIdentifier)v3).PacketIdentifier);
        (int code, string? reasonString, List<MQTTnet.Packets.MqttUserProperty>? user) = v5 switch
        {
            MqttPubAckPacket p => ((int)p.ReasonCode, p.ReasonString, p.UserProperties),
            MqttPubRecPacket p => ((int)p.ReasonCode, p.ReasonString, p.UserProperties),
            MqttPubRelPacket p => ((int)p.ReasonCode, p.ReasonString, p.UserProperties),
            MqttPubCompPacket p => ((int)p.ReasonCode, p.ReasonString, p.UserProperties),
            _ => throw new InvalidOperationException(v5.GetType().Name),
        };
        Assert.Equal((int)reason, code);
        Assert.Equal("no", reasonString);
        Assert.Equal("a", Assert.Single(user!).Name);
    }

    [Fact]
    public void Acks_from_MQTTnet_decode()
    {
        var decoder = new MqttPacketDecoder(MqttProtocolVersion.V500);
        var puback = decoder.DecodePublishAck(MqttNet.EncodeAndRead(new MqttPubAckPacket { PacketIdentifier = 1, ReasonCode = MqttPubAckReasonCode.NoMatchingSubscribers, ReasonString = "r" }, MqttProtocolVersion.V500));
        Assert.Equal(MqttReasonCode.NoMatchingSubscribers, puback.ReasonCode);
        Assert.Equal("r", puback.Properties!.ReasonString);
        var pubrel = decoder.DecodePublishAck(MqttNet.EncodeAndRead(new MqttPubRelPacket { PacketIdentifier = 2 }, MqttProtocolVersion.V500));
        Assert.Equal(MqttPacketType.PubRel, pubrel.Type);
        Assert.Equal(MqttReasonCode.Success, pubrel.ReasonCode);
        var pubcomp = new MqttPacketDecoder(MqttProtocolVersion.V311).DecodePublishAck(MqttNet.EncodeAndRead(new MqttPubCompPacket { PacketIdentifier = 3 }, MqttProtocolVersion.V311));
        Assert.Equal(3, pubcomp.PacketId);
    }

    [Fact]
    public void Zero_packet_id_is_a_protocol_error() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V311).DecodePublishAck(Read(Packet(0x40, U16(0)))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Extra_bytes_in_a_3_1_1_ack_are_malformed() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V311).DecodePublishAck(Read(Packet(0x40, U16(1), B(0)))), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Reason_code_the_packet_does_not_define_is_malformed() =>
        // 0x10 (no matching subscribers) belongs to PUBACK/PUBREC, not PUBREL.
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodePublishAck(Read(Packet(0x62, U16(1), B(0x10)))), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Ack_with_a_publish_property_is_a_protocol_error() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodePublishAck(Read(Packet(0x40, U16(1), B(0), Props([0x02, .. U32(1)])))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Truncated_ack_is_malformed() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodePublishAck(Read(Packet(0x40, B(1)))), MqttReasonCode.MalformedPacket);
}
