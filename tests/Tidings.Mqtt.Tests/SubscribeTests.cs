
using MQTTnet.Protocol;
using Tidings.Mqtt.Protocol;
using static Tidings.Mqtt.Tests.Bytes;
using MqttProtocolVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;
using NetRetainHandling = MQTTnet.Protocol.MqttRetainHandling;

using MqttSubscribePacket = MQTTnet.Packets.MqttSubscribePacket;
using MqttUnsubscribePacket = MQTTnet.Packets.MqttUnsubscribePacket;
using MqttSubAckPacket = MQTTnet.Packets.MqttSubAckPacket;
using MqttUnsubAckPacket = MQTTnet.Packets.MqttUnsubAckPacket;
using MqttTopicFilter = MQTTnet.Packets.MqttTopicFilter;
using MqttUserProperty = Tidings.Mqtt.Protocol.MqttUserProperty;
namespace Tidings.Mqtt.Tests;

public sealed class SubscribeTests
{
    [Fact]
    public void Subscribe_v5_with_options_from_MQTTnet_decodes()
    {
        var net = new MqttSubscribePacket
        {
            PacketIdentifier = 11,
            SubscriptionIdentifier = 77,
            UserProperties = [new("who", "me")],
            TopicFilters =
            [
                new MqttTopicFilter { Topic = "a/+/c", QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce, NoLocal = true, RetainAsPublished = true, RetainHandling = NetRetainHandling.DoNotSendOnSubscribe },
                new MqttTopicFilter { Topic = "$share/g/x/#", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce, RetainHandling = NetRetainHandling.SendAtSubscribeIfNewSubscriptionOnly },
                new MqttTopicFilter { Topic = "#" },
            ],
        };
        var subscribe = new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeSubscribe(MqttNet.EncodeAndRead(net, MqttProtocolVersion.V500));
        Assert.Equal(11, subscribe.PacketId);
        Assert.Equal([77], subscribe.Properties!.SubscriptionIdentifiers);
        Assert.Equal([new MqttUserProperty("who", "me")], subscribe.Properties.UserProperties);
        Assert.Equal(
            [
                new MqttSubscription("a/+/c", new MqttSubscriptionOptions(MqttQos.ExactlyOnce, true, true, Protocol.MqttRetainHandling.DoNotSend)),
                new MqttSubscription("$share/g/x/#", new MqttSubscriptionOptions(MqttQos.AtLeastOnce, RetainHandling: Protocol.MqttRetainHandling.SendIfNewSubscription)),
                new MqttSubscription("#", new MqttSubscriptionOptions(MqttQos.AtMostOnce)),
            ],
            subscribe.Subscriptions);
    }

    [Fact]
    public void Subscribe_v3_from_MQTTnet_decodes()
    {
        var net = new MqttSubscribePacket
        {
            PacketIdentifier = 2,
            TopicFilters = [new MqttTopicFilter { Topic = "x/y", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce }],
        };
        var subscribe = new MqttPacketDecoder(MqttProtocolVersion.V311).DecodeSubscribe(MqttNet.EncodeAndRead(net, MqttProtocolVersion.V311));
        Assert.Equal(new MqttSubscription("x/y", new MqttSubscriptionOptions(MqttQos.AtLeastOnce)), Assert.Single(subscribe.Subscriptions));
        Assert.Null(subscribe.Properties);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, 0x04, MqttReasonCode.MalformedPacket)] // upper bits in 3.1.1
    [InlineData(MqttProtocolVersion.V311, 0x03, MqttReasonCode.MalformedPacket)] // QoS 3
    [InlineData(MqttProtocolVersion.V500, 0x03, MqttReasonCode.MalformedPacket)]
    [InlineData(MqttProtocolVersion.V500, 0x40, MqttReasonCode.MalformedPacket)] // reserved bit 6
    [InlineData(MqttProtocolVersion.V500, 0x80, MqttReasonCode.MalformedPacket)] // reserved bit 7
    [InlineData(MqttProtocolVersion.V500, 0x30, MqttReasonCode.ProtocolError)] // retain handling 3
    public void Bad_subscription_options_are_refused(MqttProtocolVersion version, byte options, MqttReasonCode code)
    {
        byte[] props = version == MqttProtocolVersion.V500 ? B(0) : B();
        Throws(() => new MqttPacketDecoder(version).DecodeSubscribe(Read(Packet(0x82, U16(1), props, Str("a"), B(options)))), code);
    }

    [Fact]
    public void Subscribe_without_filters_is_a_protocol_error()
    {
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V311).DecodeSubscribe(Read(Packet(0x82, U16(1)))), MqttReasonCode.ProtocolError);
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeSubscribe(Read(Packet(0x82, U16(1), B(0)))), MqttReasonCode.ProtocolError);
    }

    [Fact]
    public void Filter_without_options_byte_is_malformed() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V311).DecodeSubscribe(Read(Packet(0x82, U16(1), Str("a")))), MqttReasonCode.MalformedPacket);

    [Fact]
    public void No_local_on_a_shared_subscription_is_a_protocol_error() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeSubscribe(Read(Packet(0x82, U16(1), B(0), Str("$share/g/a"), B(0x04)))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Two_subscription_identifiers_in_subscribe_are_a_protocol_error() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeSubscribe(Read(Packet(0x82, U16(1), Props(B(0x0B, 1), B(0x0B, 2)), Str("a"), B(0)))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Subscription_identifier_0_is_a_protocol_error() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeSubscribe(Read(Packet(0x82, U16(1), Props(B(0x0B, 0)), Str("a"), B(0)))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Invalid_filter_syntax_is_left_to_suback_not_refused_by_the_decoder()
    {
        var subscribe = new MqttPacketDecoder(MqttProtocolVersion.V311).DecodeSubscribe(Read(Packet(0x82, U16(1), Str("a/#/b"), B(1))));
        Assert.Equal("a/#/b", Assert.Single(subscribe.Subscriptions).Filter);
    }

    [Fact]
    public void Unsubscribe_from_MQTTnet_decodes_in_both_versions()
    {
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            var net = new MqttUnsubscribePacket { PacketIdentifier = 8, TopicFilters = ["a/b", "c/#"] };
            if (version == MqttProtocolVersion.V500)
            {
                net.UserProperties = [new("u", "v")];
            }

            var unsubscribe = new MqttPacketDecoder(version).DecodeUnsubscribe(MqttNet.EncodeAndRead(net, version));
            Assert.Equal(8, unsubscribe.PacketId);
            Assert.Equal(["a/b", "c/#"], unsubscribe.Filters);
            Assert.Equal(version == MqttProtocolVersion.V500 ? "v" : null, unsubscribe.Properties?.UserProperties?[0].Value);
        }
    }

    [Fact]
    public void Unsubscribe_without_filters_is_a_protocol_error() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V311).DecodeUnsubscribe(Read(Packet(0xA2, U16(1)))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Unsubscribe_with_a_subscription_identifier_is_a_protocol_error() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeUnsubscribe(Read(Packet(0xA2, U16(1), Props(B(0x0B, 1)), Str("a")))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Suback_we_write_decodes_in_MQTTnet_for_both_versions()
    {
        MqttReasonCode[] codes = [MqttReasonCode.Success, MqttReasonCode.GrantedQos1, MqttReasonCode.GrantedQos2, MqttReasonCode.TopicFilterInvalid, MqttReasonCode.SharedSubscriptionsNotSupported];
        var v5 = MqttNet.Decode<MqttSubAckPacket>(
            MqttNet.Written(w => MqttPacketWriter.WriteSubAck(w, MqttProtocolVersion.V500, 99, codes, new MqttProperties { ReasonString = "partly" })),
            MqttProtocolVersion.V500);
        Assert.Equal(99, v5.PacketIdentifier);
        Assert.Equal([0x00, 0x01, 0x02, 0x8F, 0x9E], v5.ReasonCodes.Select(c => (int)c));
        Assert.Equal("partly", v5.ReasonString);

        byte[] v3Bytes = MqttNet.Written(w => MqttPacketWriter.WriteSubAck(w, MqttProtocolVersion.V311, 99, codes, new MqttProperties { ReasonString = "ignored" }));
        Assert.Equal([0x90, 7, 0, 99, 0, 1, 2, 0x80, 0x80], v3Bytes);
        var v3 = MqttNet.Decode<MqttSubAckPacket>(v3Bytes, MqttProtocolVersion.V311);
        Assert.Equal(99, v3.PacketIdentifier);
        Assert.Equal(5, v3.ReasonCodes.Count);
    }

    [Fact]
    public void Unsuback_we_write_decodes_in_MQTTnet_for_both_versions()
    {
        MqttReasonCode[] codes = [MqttReasonCode.Success, MqttReasonCode.NoSubscriptionExisted];
        var v5 = MqttNet.Decode<MqttUnsubAckPacket>(MqttNet.Written(w => MqttPacketWriter.WriteUnsubAck(w, MqttProtocolVersion.V500, 4, codes)), MqttProtocolVersion.V500);
        Assert.Equal(4, v5.PacketIdentifier);
        Assert.Equal([0x00, 0x11], v5.ReasonCodes.Select(c => (int)c));

        byte[] v3Bytes = MqttNet.Written(w => MqttPacketWriter.WriteUnsubAck(w, MqttProtocolVersion.V311, 4, codes));
        Assert.Equal([0xB0, 2, 0, 4], v3Bytes);
        Assert.Equal(4, MqttNet.Decode<MqttUnsubAckPacket>(v3Bytes, MqttProtocolVersion.V311).PacketIdentifier);
    }
}
