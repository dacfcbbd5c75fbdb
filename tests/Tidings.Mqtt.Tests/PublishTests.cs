using System.Buffers;
using System.Runtime.InteropServices;
using MQTTnet.Protocol;
using Tidings.Mqtt.Protocol;
using static Tidings.Mqtt.Tests.Bytes;
using MqttProtocolVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;
using NetPublish = MQTTnet.Packets.MqttPublishPacket;
using NetUserProperty = MQTTnet.Packets.MqttUserProperty;

namespace Tidings.Mqtt.Tests;

public sealed class PublishTests
{
    private static NetPublish NetPublishWithAllProperties(MqttQualityOfServiceLevel qos) => new()
    {
        Topic = "plant/line-1/temp",
        PayloadSegment = new ArraySegment<byte>("21.5"u8.ToArray()),
        QualityOfServiceLevel = qos,
        PacketIdentifier = qos == MqttQualityOfServiceLevel.AtMostOnce ? (ushort)0 : (ushort)42,
        Retain = true,
        Dup = qos != MqttQualityOfServiceLevel.AtMostOnce,
        PayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData,
        MessageExpiryInterval = 120,
        TopicAlias = 3,
        ResponseTopic = "plant/replies",
        CorrelationData = [0xCA, 0xFE],
        ContentType = "text/plain",
        UserProperties = [new NetUserProperty("unit", "C"), new NetUserProperty("unit", "K"), new NetUserProperty("src", "plc")],
    };

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    public void Publish_v5_with_every_property_from_MQTTnet_decodes(MqttQualityOfServiceLevel qos)
    {
        var decoder = new MqttPacketDecoder(MqttProtocolVersion.V500);
        var publish = decoder.DecodePublish(MqttNet.EncodeAndRead(NetPublishWithAllProperties(qos), MqttProtocolVersion.V500));
        Assert.Equal("plant/line-1/temp", publish.Topic);
        Assert.Equal((MqttQos)qos, publish.Qos);
        Assert.Equal(qos == MqttQualityOfServiceLevel.AtMostOnce ? 0 : 42, publish.PacketId);
        Assert.True(publish.Retain);
        Assert.Equal(qos != MqttQualityOfServiceLevel.AtMostOnce, publish.Dup);
        Assert.Equal("21.5"u8.ToArray(), publish.Payload.ToArray());
        var p = Assert.IsType<MqttProperties>(publish.Properties);
        Assert.Equal((byte)1, p.PayloadFormatIndicator);
        Assert.Equal(120u, p.MessageExpiryInterval);
        Assert.Equal((ushort)3, p.TopicAlias);
        Assert.Equal("plant/replies", p.ResponseTopic);
        Assert.Equal([0xCA, 0xFE], p.CorrelationData);
        Assert.Equal("text/plain", p.ContentType);
        Assert.Equal([new("unit", "C"), new("unit", "K"), new("src", "plc")], p.UserProperties);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttProtocolVersion.V311, MqttQualityOfServiceLevel.ExactlyOnce)]
    [InlineData(MqttProtocolVersion.V310, MqttQualityOfServiceLevel.AtLeastOnce)]
    public void Publish_v3_from_MQTTnet_decodes(MqttProtocolVersion version, MqttQualityOfServiceLevel qos)
    {
        var net = new NetPublish
        {
            Topic = "a/b",
            PayloadSegment = new ArraySegment<byte>([1, 2, 3]),
            QualityOfServiceLevel = qos,
            PacketIdentifier = qos == MqttQualityOfServiceLevel.AtMostOnce ? (ushort)0 : (ushort)65535,
        };
        var publish = new MqttPacketDecoder(version).DecodePublish(MqttNet.EncodeAndRead(net, version));
        Assert.Equal("a/b", publish.Topic);
        Assert.Equal((MqttQos)qos, publish.Qos);
        Assert.Equal(net.PacketIdentifier, publish.PacketId);
        Assert.Equal([1, 2, 3], publish.Payload.ToArray());
        Assert.Null(publish.Properties);
    }

    private static MqttProperties AllPublishProperties() => new MqttProperties
    {
        PayloadFormatIndicator = 1,
        MessageExpiryInterval = 99,
        ContentType = "application/json",
        ResponseTopic = "r/t",
        CorrelationData = [7, 7, 7],
        TopicAlias = 5,
        SubscriptionIdentifiers = [1],
    }.AddUserProperty("x", "1").AddUserProperty("x", "2");

    [Theory]
    [InlineData(MqttQos.AtMostOnce)]
    [InlineData(MqttQos.AtLeastOnce)]
    [InlineData(MqttQos.ExactlyOnce)]
    public void Publish_v5_we_write_with_several_subscription_ids_decodes_in_MQTTnet(MqttQos qos)
    {
        ushort id = qos == MqttQos.AtMostOnce ? (ushort)0 : (ushort)7;
        var packet = new MqttPublishPacket("plant/x", qos, id, new ReadOnlySequence<byte>("{}"u8.ToArray()), retain: true, dup: id != 0, AllPublishProperties());
        int[] extra = [268_435_455, 200];
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WritePublish(w, MqttProtocolVersion.V500, packet, extra));
        Assert.Equal(bytes.Length, MqttPacketWriter.GetPublishSize(MqttProtocolVersion.V500, packet, extra));

        var net = MqttNet.Decode<NetPublish>(bytes, MqttProtocolVersion.V500);
        Assert.Equal("plant/x", net.Topic);
        Assert.Equal((int)qos, (int)net.QualityOfServiceLevel);
        Assert.Equal(id, net.PacketIdentifier);
        Assert.True(net.Retain);
        Assert.Equal(id != 0, net.Dup);
        Assert.Equal("{}"u8.ToArray(), net.Payload.ToArray());
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, net.PayloadFormatIndicator);
        Assert.Equal(99u, net.MessageExpiryInterval);
        Assert.Equal("application/json", net.ContentType);
        Assert.Equal("r/t", net.ResponseTopic);
        Assert.Equal([7, 7, 7], net.CorrelationData);
        Assert.Equal(5, net.TopicAlias);
        Assert.Equal([1u, 268_435_455u, 200u], net.SubscriptionIdentifiers);
        Assert.Equal(["x=1", "x=2"], net.UserProperties.Select(u => $"{u.Name}={u.Value}"));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V310)]
    public void Publish_v3_we_write_decodes_in_MQTTnet_without_properties(MqttProtocolVersion version)
    {
        var packet = new MqttPublishPacket("a/b", MqttQos.AtLeastOnce, 9, new ReadOnlySequence<byte>(new byte[1000]), properties: AllPublishProperties());
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WritePublish(w, version, packet));
        Assert.Equal(1 + 2 + 2 + 3 + 2 + 1000, bytes.Length);
        var net = MqttNet.Decode<NetPublish>(bytes, version);
        Assert.Equal("a/b", net.Topic);
        Assert.Equal(9, net.PacketIdentifier);
        Assert.Equal(1000, net.Payload.Length);
    }

    [Fact]
    public void Publish_we_write_decodes_with_our_reader()
    {
        var properties = AllPublishProperties();
        properties.SubscriptionIdentifiers = null; // a client never sends them, so our server decoder refuses them
        var segments = Fragmented("multi-segment payload"u8.ToArray());
        var packet = new MqttPublishPacket("ünïcode/topic", MqttQos.ExactlyOnce, 513, segments, retain: false, dup: true, properties);
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WritePublish(w, MqttProtocolVersion.V500, packet));

        var back = new MqttPacketDecoder(MqttProtocolVersion.V500).DecodePublish(Read(bytes));
        Assert.Equal(packet.Topic, back.Topic);
        Assert.Equal(packet.Qos, back.Qos);
        Assert.Equal(packet.PacketId, back.PacketId);
        Assert.True(back.Dup);
        Assert.False(back.Retain);
        Assert.Equal("multi-segment payload"u8.ToArray(), back.Payload.ToArray());
        Assert.Equal(properties.ContentType, back.Properties!.ContentType);
        Assert.Equal(properties.UserProperties, back.Properties.UserProperties);
    }

    [Fact]
    public void Publish_payload_is_a_slice_of_the_receive_buffer_not_a_copy()
    {
        byte[] bytes = Packet(0x30, Str("t"), "payload"u8.ToArray());
        var publish = new MqttPacketDecoder(MqttProtocolVersion.V311).DecodePublish(Read(bytes));
        Assert.True(MemoryMarshal.TryGetArray(publish.Payload.First, out var segment));
        Assert.Same(bytes, segment.Array);
        Assert.Equal(bytes.Length - 7, segment.Offset);
    }

    [Fact]
    public void Repeated_topic_returns_the_cached_string()
    {
        var decoder = new MqttPacketDecoder(MqttProtocolVersion.V311);
        var first = decoder.DecodePublish(Read(Packet(0x30, Str("sensors/1"), B(1))));
        var second = decoder.DecodePublish(Read(Packet(0x30, Str("sensors/1"), B(2))));
        Assert.Same(first.Topic, second.Topic);
    }

    private static void Refused(MqttProtocolVersion version, byte[] bytes, MqttReasonCode code) =>
        Throws(() => new MqttPacketDecoder(version).DecodePublish(Read(bytes)), code);

    [Theory]
    [InlineData("a/+/c")]
    [InlineData("a/#")]
    [InlineData("+")]
    public void Wildcard_in_publish_topic_is_topic_name_invalid(string topic)
    {
        Refused(MqttProtocolVersion.V311, Packet(0x30, Str(topic)), MqttReasonCode.TopicNameInvalid);
        // A second time, so the cache cannot let it through either.
        Refused(MqttProtocolVersion.V500, Packet(0x30, Str(topic), B(0)), MqttReasonCode.TopicNameInvalid);
    }

    [Fact]
    public void Zero_packet_id_with_qos_1_is_a_protocol_error() =>
        Refused(MqttProtocolVersion.V311, Packet(0x32, Str("t"), U16(0)), MqttReasonCode.ProtocolError);

    [Fact]
    public void Empty_topic_without_alias_is_a_protocol_error()
    {
        Refused(MqttProtocolVersion.V311, Packet(0x30, Str("")), MqttReasonCode.ProtocolError);
        Refused(MqttProtocolVersion.V500, Packet(0x30, Str(""), B(0)), MqttReasonCode.ProtocolError);
    }

    [Fact]
    public void Empty_topic_with_alias_is_accepted_in_5()
    {
        var publish = new MqttPacketDecoder(MqttProtocolVersion.V500).DecodePublish(Read(Packet(0x30, Str(""), Props(B(0x23), U16(4)))));
        Assert.Equal("", publish.Topic);
        Assert.Equal((ushort)4, publish.Properties!.TopicAlias);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0x00, 0x62 })] // U+0000
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // encoded surrogate U+D800
    [InlineData(new byte[] { 0xC0, 0xAF })] // overlong '/'
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xE2, 0x82 })] // truncated sequence
    public void Bad_utf8_in_the_topic_is_malformed(byte[] topic) =>
        Refused(MqttProtocolVersion.V311, Packet(0x30, Bin(topic)), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Subscription_identifier_from_a_client_is_a_protocol_error() =>
        Refused(MqttProtocolVersion.V500, Packet(0x30, Str("t"), Props(B(0x0B, 0x01))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Repeated_single_use_property_is_a_protocol_error() =>
        Refused(MqttProtocolVersion.V500, Packet(0x30, Str("t"), Props([0x02, .. U32(1)], [0x02, .. U32(2)])), MqttReasonCode.ProtocolError);

    [Fact]
    public void Property_not_allowed_in_publish_is_a_protocol_error() =>
        Refused(MqttProtocolVersion.V500, Packet(0x30, Str("t"), Props([0x11, .. U32(1)])), MqttReasonCode.ProtocolError);

    [Fact]
    public void Unknown_property_id_is_malformed() =>
        Refused(MqttProtocolVersion.V500, Packet(0x30, Str("t"), Props(B(0x7F, 0x00))), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Property_length_beyond_the_packet_is_malformed() =>
        Refused(MqttProtocolVersion.V500, Packet(0x30, Str("t"), B(0x10, 0x01, 0x01)), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Property_value_running_past_the_property_length_is_malformed() =>
        // Property length 2 but Message Expiry needs 5 bytes; the payload makes the bytes available.
        Refused(MqttProtocolVersion.V500, Packet(0x30, Str("t"), B(0x02, 0x02, 0, 0, 0, 1)), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Payload_format_indicator_2_is_a_protocol_error() =>
        Refused(MqttProtocolVersion.V500, Packet(0x30, Str("t"), Props(B(0x01, 0x02))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Writer_refuses_qos_and_packet_id_that_disagree()
    {
        var buffer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => MqttPacketWriter.WritePublish(buffer, MqttProtocolVersion.V311, new MqttPublishPacket("t", MqttQos.AtLeastOnce, 0, default)));
        Assert.Throws<ArgumentException>(() => MqttPacketWriter.WritePublish(buffer, MqttProtocolVersion.V311, new MqttPublishPacket("t", MqttQos.AtMostOnce, 3, default)));
    }
}
