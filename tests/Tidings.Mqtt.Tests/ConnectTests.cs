using System.Buffers;
using System.Text;

using MQTTnet.Protocol;
using Tidings.Mqtt.Protocol;
using static Tidings.Mqtt.Tests.Bytes;
using MqttProtocolVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;

using MqttConnectPacket = MQTTnet.Packets.MqttConnectPacket;
using MqttUserProperty = Tidings.Mqtt.Protocol.MqttUserProperty;
namespace Tidings.Mqtt.Tests;

public sealed class ConnectTests
{
    private static MqttConnectPacket NetConnect() => new()
    {
        ClientId = "sensor-17",
        CleanSession = true,
        KeepAlivePeriod = 30,
        Username = "alice",
        Password = "s3cret"u8.ToArray(),
        WillFlag = true,
        WillTopic = "status/sensor-17",
        WillMessage = "offline"u8.ToArray(),
        WillQoS = MqttQualityOfServiceLevel.AtLeastOnce,
        WillRetain = true,
    };

    [Theory]
    [InlineData(MqttProtocolVersion.V310)]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Connect_with_will_and_credentials_from_MQTTnet_decodes(MqttProtocolVersion version)
    {
        var connect = MqttPacketDecoder.DecodeConnect(MqttNet.EncodeAndRead(NetConnect(), version));
        Assert.Equal(version, connect.ProtocolVersion);
        Assert.Equal("sensor-17", connect.ClientId);
        Assert.True(connect.CleanStart);
        Assert.Equal(30, connect.KeepAlive);
        Assert.Equal("alice", connect.UserName);
        Assert.True(connect.HasPassword);
        Assert.Equal("s3cret", Encoding.UTF8.GetString(connect.Password.ToArray()));
        var will = Assert.IsType<MqttWill>(connect.Will);
        Assert.Equal("status/sensor-17", will.Topic);
        Assert.Equal("offline", Encoding.UTF8.GetString(will.Payload.ToArray()));
        Assert.Equal(MqttQos.AtLeastOnce, will.Qos);
        Assert.True(will.Retain);
    }

    [Fact]
    public void Connect_v5_properties_and_will_properties_from_MQTTnet_decode()
    {
        var net = NetConnect();
        net.SessionExpiryInterval = 3600;
        net.ReceiveMaximum = 20;
        net.MaximumPacketSize = 65536;
        net.TopicAliasMaximum = 10;
        net.RequestProblemInformation = false;
        net.RequestResponseInformation = true;
        net.AuthenticationMethod = "SCRAM-SHA-256";
        net.AuthenticationData = [1, 2, 3];
        net.UserProperties = [new("k", "v1"), new("k", "v2"), new("a", "b")];
        net.WillDelayInterval = 5;
        net.WillContentType = "text/plain";
        net.WillCorrelationData = [9, 8];
        net.WillResponseTopic = "reply/here";
        net.WillMessageExpiryInterval = 600;
        net.WillPayloadFormatIndicator = MqttPayloadFormatIndicator.CharacterData;
        net.WillUserProperties = [new("w", "1")];

        var connect = MqttPacketDecoder.DecodeConnect(MqttNet.EncodeAndRead(net, MqttProtocolVersion.V500));
        var p = Assert.IsType<MqttProperties>(connect.Properties);
        Assert.Equal(3600u, p.SessionExpiryInterval);
        Assert.Equal((ushort)20, p.ReceiveMaximum);
        Assert.Equal(65536u, p.MaximumPacketSize);
        Assert.Equal((ushort)10, p.TopicAliasMaximum);
        Assert.False(p.RequestProblemInformation);
        Assert.True(p.RequestResponseInformation);
        Assert.Equal("SCRAM-SHA-256", p.AuthenticationMethod);
        Assert.Equal([1, 2, 3], p.AuthenticationData);
        Assert.Equal([new("k", "v1"), new("k", "v2"), new("a", "b")], p.UserProperties);

        var w = Assert.IsType<MqttProperties>(connect.Will!.Properties);
        Assert.Equal(5u, w.WillDelayInterval);
        Assert.Equal("text/plain", w.ContentType);
        Assert.Equal([9, 8], w.CorrelationData);
        Assert.Equal("reply/here", w.ResponseTopic);
        Assert.Equal(600u, w.MessageExpiryInterval);
        Assert.Equal((byte)1, w.PayloadFormatIndicator);
        Assert.Equal([new MqttUserProperty("w", "1")], w.UserProperties);
    }

    [Fact]
    public void Connect_without_will_or_credentials_decodes_with_nothing_set()
    {
        // MQTTnet refuses to encode an empty client id without Clean Session; our decoder leaves that rule to the session layer.
        var net = new MqttConnectPacket { ClientId = "", CleanSession = true, KeepAlivePeriod = 0 };
        var connect = MqttPacketDecoder.DecodeConnect(MqttNet.EncodeAndRead(net, MqttProtocolVersion.V311));
        Assert.Equal("", connect.ClientId);
        Assert.True(connect.CleanStart);
        Assert.False(MqttPacketDecoder.DecodeConnect(Read(Connect("MQTT", 4, 0x00, Str("")))).CleanStart);
        Assert.Null(connect.Will);
        Assert.Null(connect.UserName);
        Assert.False(connect.HasPassword);
    }

    private static byte[] Connect(string name, byte level, byte flags, params byte[][] rest) =>
        Packet(0x10, [Str(name), B(level, flags), U16(60), .. rest]);

    private static void Refused(byte[] bytes, MqttReasonCode code) =>
        Throws(() => MqttPacketDecoder.DecodeConnect(Read(bytes)), code);

    [Fact]
    public void Reserved_connect_flag_is_malformed() =>
        Refused(Connect("MQTT", 4, 0x03, Str("c")), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Will_qos_3_is_malformed() =>
        Refused(Connect("MQTT", 4, 0x1E, Str("c"), Str("w"), Str("x")), MqttReasonCode.MalformedPacket);

    [Theory]
    [InlineData(0x0A)] // will QoS 1 without will flag
    [InlineData(0x22)] // will retain without will flag
    public void Will_qos_or_retain_without_will_flag_is_malformed(byte flags) =>
        Refused(Connect("MQTT", 4, flags, Str("c")), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Password_without_user_name_is_malformed_in_3_1_1() =>
        Refused(Connect("MQTT", 4, 0x42, Str("c"), Str("pw")), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Password_without_user_name_is_allowed_in_5()
    {
        var connect = MqttPacketDecoder.DecodeConnect(Read(Connect("MQTT", 5, 0x42, B(0), Str("c"), Str("pw"))));
        Assert.Null(connect.UserName);
        Assert.True(connect.HasPassword);
        Assert.Equal("pw"u8.ToArray(), connect.Password.ToArray());
    }

    [Theory]
    [InlineData("MQTT", 3)]
    [InlineData("MQTT", 6)]
    [InlineData("MQIsdp", 4)]
    public void Unknown_protocol_level_is_unsupported_protocol_version(string name, byte level) =>
        Refused(Connect(name, level, 0x02, Str("c")), MqttReasonCode.UnsupportedProtocolVersion);

    [Fact]
    public void Unknown_protocol_name_is_a_protocol_error() =>
        Refused(Connect("HTTP", 4, 0x02, Str("c")), MqttReasonCode.ProtocolError);

    [Fact]
    public void MQIsdp_level_3_is_accepted_as_3_1()
    {
        var connect = MqttPacketDecoder.DecodeConnect(Read(Connect("MQIsdp", 3, 0x02, Str("old-client"))));
        Assert.Equal(MqttProtocolVersion.V310, connect.ProtocolVersion);
        Assert.Equal("old-client", connect.ClientId);
    }

    [Fact]
    public void Will_topic_with_wildcard_is_topic_name_invalid() =>
        Refused(Connect("MQTT", 4, 0x06, Str("c"), Str("a/+"), Str("x")), MqttReasonCode.TopicNameInvalid);

    [Fact]
    public void Trailing_bytes_after_the_payload_are_malformed() =>
        Refused(Connect("MQTT", 4, 0x02, Str("c"), B(0xAA)), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Client_id_with_U0000_is_malformed() =>
        Refused(Connect("MQTT", 4, 0x02, Bin([0x61, 0x00])), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Truncated_connect_body_is_malformed() =>
        Refused(Connect("MQTT", 4, 0x82, Str("c"), U16(5), B(0x61)), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Connect_property_only_allowed_in_connack_is_a_protocol_error() =>
        Refused(Connect("MQTT", 5, 0x02, Props(B(0x12), Str("assigned")), Str("c")), MqttReasonCode.ProtocolError);

    [Fact]
    public void Receive_maximum_0_is_a_protocol_error() =>
        Refused(Connect("MQTT", 5, 0x02, Props(B(0x21), U16(0)), Str("c")), MqttReasonCode.ProtocolError);

    [Fact]
    public void Will_property_in_connect_properties_is_a_protocol_error() =>
        Refused(Connect("MQTT", 5, 0x02, Props(B(0x18), U32(5)), Str("c")), MqttReasonCode.ProtocolError);

    [Fact]
    public void Connect_arriving_in_one_byte_segments_decodes()
    {
        byte[] bytes = MqttNet.Encode(NetConnect(), MqttProtocolVersion.V500);
        var buffer = Fragmented(bytes);
        Assert.True(MqttPacketReader.TryRead(ref buffer, 0, out var packet));
        var connect = MqttPacketDecoder.DecodeConnect(packet);
        Assert.Equal("sensor-17", connect.ClientId);
        Assert.Equal("status/sensor-17", connect.Will!.Topic);
        Assert.Equal("s3cret"u8.ToArray(), connect.Password.ToArray());
    }
}
