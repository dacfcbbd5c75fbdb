using System.Buffers;
using MQTTnet.Protocol;
using Tidings.Mqtt.Protocol;
using MqttProtocolVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;
using Net = MQTTnet.Packets;

namespace Tidings.Mqtt.Tests;

public sealed class TruncationTests
{
    public static TheoryData<string, MqttProtocolVersion> ClientPackets()
    {
        var data = new TheoryData<string, MqttProtocolVersion>();
        foreach (string name in Samples.Keys)
        {
            data.Add(name, MqttProtocolVersion.V311);
            data.Add(name, MqttProtocolVersion.V500);
        }

        return data;
    }

    private static readonly Dictionary<string, Func<Net.MqttPacket>> Samples = new()
    {
        ["connect"] = () => new Net.MqttConnectPacket
        {
            ClientId = "c-1",
            CleanSession = true,
            Username = "u",
            Password = [1, 2],
            WillFlag = true,
            WillTopic = "w/t",
            WillMessage = [3],
            WillQoS = MqttQualityOfServiceLevel.ExactlyOnce,
            SessionExpiryInterval = 10,
            WillDelayInterval = 2,
        },
        ["publish"] = () => new Net.MqttPublishPacket
        {
            Topic = "a/b",
            QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce,
            PacketIdentifier = 3,
            PayloadSegment = new ArraySegment<byte>(new byte[150]),
            ContentType = "x",
            UserProperties = [new("k", "v")],
        },
        ["puback"] = () => new Net.MqttPubAckPacket { PacketIdentifier = 3, ReasonCode = MqttPubAckReasonCode.QuotaExceeded, ReasonString = "q" },
        ["pubrel"] = () => new Net.MqttPubRelPacket { PacketIdentifier = 3 },
        ["subscribe"] = () => new Net.MqttSubscribePacket
        {
            PacketIdentifier = 5,
            SubscriptionIdentifier = 300,
            TopicFilters = [new Net.MqttTopicFilter { Topic = "a/+", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce }, new Net.MqttTopicFilter { Topic = "#" }],
        },
        ["unsubscribe"] = () => new Net.MqttUnsubscribePacket { PacketIdentifier = 6, TopicFilters = ["a/+", "b"] },
        ["pingreq"] = () => new Net.MqttPingReqPacket(),
        ["disconnect"] = () => new Net.MqttDisconnectPacket { ReasonCode = MqttDisconnectReasonCode.NormalDisconnection },
    };

    // Decodes with whichever decoder fits and renders the result, so two decodes can be compared.
    private static string Decode(in MqttPacket packet, MqttProtocolVersion version)
    {
        var decoder = new MqttPacketDecoder(version);
        return packet.Type switch
        {
            MqttPacketType.Connect => Render(MqttPacketDecoder.DecodeConnect(packet)),
            MqttPacketType.Publish => Render(decoder.DecodePublish(packet)),
            MqttPacketType.PubAck or MqttPacketType.PubRel => Render(decoder.DecodePublishAck(packet)),
            MqttPacketType.Subscribe => Render(decoder.DecodeSubscribe(packet)),
            MqttPacketType.Unsubscribe => Render(decoder.DecodeUnsubscribe(packet)),
            MqttPacketType.Disconnect => Render(decoder.DecodeDisconnect(packet)),
            _ => packet.Type.ToString(),
        };
    }

    private static string Render(MqttConnectPacket p) =>
        $"{p.ClientId} {p.UserName} {Hex(p.Password)} {p.Will?.Topic} {Hex(p.Will?.Payload ?? default)} {p.Will?.Qos} {p.Properties?.SessionExpiryInterval} {p.Will?.Properties?.WillDelayInterval}";

    private static string Render(MqttPublishPacket p) =>
        $"{p.Topic} {p.Qos} {p.PacketId} {Hex(p.Payload)} {p.Properties?.ContentType} {p.Properties?.UserProperties?.Count}";

    private static string Render(MqttPublishAckPacket p) => $"{p.Type} {p.PacketId} {p.ReasonCode} {p.Properties?.ReasonString}";

    private static string Render(MqttSubscribePacket p) =>
        $"{p.PacketId} {p.Properties?.SubscriptionIdentifiers?[0]} {string.Join(",", p.Subscriptions)}";

    private static string Render(MqttUnsubscribePacket p) => $"{p.PacketId} {string.Join(",", p.Filters)}";

    private static string Render(MqttDisconnectPacket p) => $"{p.ReasonCode}";

    private static string Hex(ReadOnlySequence<byte> bytes) => Convert.ToHexString(bytes.ToArray());

    [Theory]
    [MemberData(nameof(ClientPackets))]
    public void Every_prefix_of_a_packet_needs_more_data_and_the_whole_decodes(string name, MqttProtocolVersion version)
    {
        byte[] bytes = MqttNet.Encode(Samples[name](), version);
        for (int cut = 0; cut < bytes.Length; cut++)
        {
            var prefix = new ReadOnlySequence<byte>(bytes, 0, cut);
            Assert.False(MqttPacketReader.TryRead(ref prefix, 0, out _), $"{name}: {cut} of {bytes.Length} bytes read as a packet");
        }

        Assert.NotEmpty(Decode(Bytes.Read(bytes), version));
    }

    [Theory]
    [MemberData(nameof(ClientPackets))]
    public void One_byte_segments_decode_the_same_as_one_buffer(string name, MqttProtocolVersion version)
    {
        byte[] bytes = MqttNet.Encode(Samples[name](), version);
        var fragmented = Bytes.Fragmented(bytes);
        Assert.True(MqttPacketReader.TryRead(ref fragmented, 0, out var packet));
        Assert.Equal(Decode(Bytes.Read(bytes), version), Decode(packet, version));
    }
}
