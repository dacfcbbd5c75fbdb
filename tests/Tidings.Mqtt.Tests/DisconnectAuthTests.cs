
using MQTTnet.Protocol;
using Tidings.Mqtt.Protocol;
using static Tidings.Mqtt.Tests.Bytes;
using MqttProtocolVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;

using MqttDisconnectPacket = MQTTnet.Packets.MqttDisconnectPacket;
using MqttAuthPacket = MQTTnet.Packets.MqttAuthPacket;
using MqttUserProperty = Tidings.Mqtt.Protocol.MqttUserProperty;
namespace Tidings.Mqtt.Tests;

public sealed class DisconnectAuthTests
{
    [Fact]
    public void Disconnect_v5_from_MQTTnet_decodes_with_session_expiry()
    {
        var net = new MqttDisconnectPacket { ReasonCode = MqttDisconnectReasonCode.DisconnectWithWillMessage, SessionExpiryInterval = 99, ReasonString = "bye", UserProperties = [new("a", "b")] };
        var disconnect = new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeDisconnect(MqttNet.EncodeAndRead(net, MqttProtocolVersion.V500));
        Assert.Equal(MqttReasonCode.DisconnectWithWillMessage, disconnect.ReasonCode);
        Assert.Equal(99u, disconnect.Properties!.SessionExpiryInterval);
        Assert.Equal("bye", disconnect.Properties.ReasonString);
    }

    [Fact]
    public void Disconnect_v3_from_MQTTnet_decodes()
    {
        var disconnect = new MqttPacketDecoder(MqttProtocolVersion.V311).DecodeDisconnect(MqttNet.EncodeAndRead(new MqttDisconnectPacket(), MqttProtocolVersion.V311));
        Assert.Equal(MqttReasonCode.Success, disconnect.ReasonCode);
        Assert.Null(disconnect.Properties);
    }

    [Fact]
    public void Disconnect_with_remaining_length_0_or_1_decodes_in_5()
    {
        var decoder = new MqttPacketDecoder(MqttProtocolVersion.V500);
        Assert.Equal(MqttReasonCode.Success, decoder.DecodeDisconnect(Read(Packet(0xE0))).ReasonCode);
        Assert.Equal(MqttReasonCode.DisconnectWithWillMessage, decoder.DecodeDisconnect(Read(Packet(0xE0, B(0x04)))).ReasonCode);
    }

    [Fact]
    public void Disconnect_body_in_3_1_1_is_malformed() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V311).DecodeDisconnect(Read(Packet(0xE0, B(0)))), MqttReasonCode.MalformedPacket);

    [Fact]
    public void Disconnect_we_write_decodes_in_MQTTnet_and_in_ours()
    {
        var properties = new MqttProperties { ReasonString = "shutting down", ServerReference = "other:1883", SessionExpiryInterval = 0 }.AddUserProperty("k", "v");
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WriteDisconnect(w, MqttReasonCode.ServerShuttingDown, properties));
        var net = MqttNet.Decode<MqttDisconnectPacket>(bytes, MqttProtocolVersion.V500);
        Assert.Equal(MqttDisconnectReasonCode.ServerShuttingDown, net.ReasonCode);
        Assert.Equal("shutting down", net.ReasonString);
        Assert.Equal("other:1883", net.ServerReference);

        var ours = new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeDisconnect(Read(bytes));
        Assert.Equal(MqttReasonCode.ServerShuttingDown, ours.ReasonCode);
        Assert.Equal("other:1883", ours.Properties!.ServerReference);
        Assert.Equal([new MqttUserProperty("k", "v")], ours.Properties.UserProperties);
    }

    [Fact]
    public void Normal_disconnect_without_properties_is_written_empty() =>
        Assert.Equal([0xE0, 0], MqttNet.Written(w => MqttPacketWriter.WriteDisconnect(w, MqttReasonCode.Success)));

    [Fact]
    public void Disconnect_with_a_connack_property_is_a_protocol_error() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeDisconnect(Read(Packet(0xE0, B(0), Props(B(0x24, 1))))), MqttReasonCode.ProtocolError);

    [Fact]
    public void Auth_round_trips_through_MQTTnet_both_ways()
    {
        var properties = new MqttProperties { AuthenticationMethod = "SCRAM-SHA-1", AuthenticationData = [1, 2, 3, 4], ReasonString = "more" };
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WriteAuth(w, MqttReasonCode.ContinueAuthentication, properties));
        var net = MqttNet.Decode<MqttAuthPacket>(bytes, MqttProtocolVersion.V500);
        Assert.Equal(MqttAuthenticateReasonCode.ContinueAuthentication, net.ReasonCode);
        Assert.Equal("SCRAM-SHA-1", net.AuthenticationMethod);
        Assert.Equal([1, 2, 3, 4], net.AuthenticationData);

        var back = new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeAuth(MqttNet.EncodeAndRead(
            new MqttAuthPacket { ReasonCode = MqttAuthenticateReasonCode.ReAuthenticate, AuthenticationMethod = "SCRAM-SHA-1", AuthenticationData = [9] },
            MqttProtocolVersion.V500));
        Assert.Equal(MqttReasonCode.ReAuthenticate, back.ReasonCode);
        Assert.Equal("SCRAM-SHA-1", back.Properties!.AuthenticationMethod);
        Assert.Equal([9], back.Properties.AuthenticationData);
    }

    [Fact]
    public void Auth_in_3_1_1_is_malformed()
    {
        var decoder = new MqttPacketDecoder(MqttProtocolVersion.V311);
        Throws(() => decoder.DecodeAuth(Read(Packet(0xF0))), MqttReasonCode.MalformedPacket);
        Throws(() => decoder.CheckClientMaySend(MqttPacketType.Auth), MqttReasonCode.MalformedPacket);
    }

    [Fact]
    public void Auth_with_an_undefined_reason_is_malformed() =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).DecodeAuth(Read(Packet(0xF0, B(0x87)))), MqttReasonCode.MalformedPacket);

    [Theory]
    [InlineData(MqttPacketType.ConnAck)]
    [InlineData(MqttPacketType.SubAck)]
    [InlineData(MqttPacketType.UnsubAck)]
    [InlineData(MqttPacketType.PingResp)]
    public void Server_only_packets_from_a_client_are_a_protocol_error(MqttPacketType type) =>
        Throws(() => new MqttPacketDecoder(MqttProtocolVersion.V500).CheckClientMaySend(type), MqttReasonCode.ProtocolError);
}
