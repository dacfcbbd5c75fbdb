
using MQTTnet.Protocol;
using Tidings.Mqtt.Protocol;
using MqttProtocolVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;

using MqttConnAckPacket = MQTTnet.Packets.MqttConnAckPacket;
using MqttConnectReturnCode = MQTTnet.Protocol.MqttConnectReturnCode;
using MqttPingRespPacket = MQTTnet.Packets.MqttPingRespPacket;
namespace Tidings.Mqtt.Tests;

public sealed class ConnAckTests
{
    [Fact]
    public void Connack_v5_with_server_properties_decodes_in_MQTTnet()
    {
        var properties = new MqttProperties
        {
            AssignedClientIdentifier = "auto-1",
            ServerKeepAlive = 45,
            ReceiveMaximum = 100,
            MaximumQos = MqttQos.AtLeastOnce,
            RetainAvailable = false,
            MaximumPacketSize = 1 << 20,
            TopicAliasMaximum = 16,
            WildcardSubscriptionAvailable = false,
            SubscriptionIdentifierAvailable = false,
            SharedSubscriptionAvailable = false,
            SessionExpiryInterval = 30,
            ReasonString = "welcome",
            ResponseInformation = "resp/",
        }.AddUserProperty("node", "a").AddUserProperty("node", "b");
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WriteConnAck(w, MqttProtocolVersion.V500, sessionPresent: true, MqttReasonCode.Success, properties));
        var net = MqttNet.Decode<MqttConnAckPacket>(bytes, MqttProtocolVersion.V500);
        Assert.True(net.IsSessionPresent);
        Assert.Equal(MqttConnectReasonCode.Success, net.ReasonCode);
        Assert.Equal("auto-1", net.AssignedClientIdentifier);
        Assert.Equal(45, net.ServerKeepAlive);
        Assert.Equal(100, net.ReceiveMaximum);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, net.MaximumQoS);
        Assert.False(net.RetainAvailable);
        Assert.Equal(1u << 20, net.MaximumPacketSize);
        Assert.Equal(16, net.TopicAliasMaximum);
        Assert.False(net.WildcardSubscriptionAvailable);
        Assert.False(net.SubscriptionIdentifiersAvailable);
        Assert.False(net.SharedSubscriptionAvailable);
        Assert.Equal(30u, net.SessionExpiryInterval);
        Assert.Equal("welcome", net.ReasonString);
        Assert.Equal("resp/", net.ResponseInformation);
        Assert.Equal(["node=a", "node=b"], net.UserProperties.Select(u => $"{u.Name}={u.Value}"));
    }

    [Theory]
    [InlineData(MqttReasonCode.Success, MqttConnectReturnCode.ConnectionAccepted)]
    [InlineData(MqttReasonCode.UnsupportedProtocolVersion, MqttConnectReturnCode.ConnectionRefusedUnacceptableProtocolVersion)]
    [InlineData(MqttReasonCode.ClientIdentifierNotValid, MqttConnectReturnCode.ConnectionRefusedIdentifierRejected)]
    [InlineData(MqttReasonCode.ServerBusy, MqttConnectReturnCode.ConnectionRefusedServerUnavailable)]
    [InlineData(MqttReasonCode.BadUserNameOrPassword, MqttConnectReturnCode.ConnectionRefusedBadUsernameOrPassword)]
    [InlineData(MqttReasonCode.NotAuthorized, MqttConnectReturnCode.ConnectionRefusedNotAuthorized)]
    [InlineData(MqttReasonCode.Banned, MqttConnectReturnCode.ConnectionRefusedNotAuthorized)]
    public void Connack_v3_carries_the_mapped_return_code(MqttReasonCode reason, MqttConnectReturnCode expected)
    {
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WriteConnAck(w, MqttProtocolVersion.V311, sessionPresent: true, reason, new MqttProperties { ReasonString = "x" }));
        Assert.Equal(4, bytes.Length);
        var net = MqttNet.Decode<MqttConnAckPacket>(bytes, MqttProtocolVersion.V311);
        Assert.Equal(expected, net.ReturnCode);
        Assert.Equal(reason == MqttReasonCode.Success, net.IsSessionPresent);
    }

    [Fact]
    public void Failed_connack_never_reports_a_session_present()
    {
        byte[] bytes = MqttNet.Written(w => MqttPacketWriter.WriteConnAck(w, MqttProtocolVersion.V500, sessionPresent: true, MqttReasonCode.NotAuthorized));
        Assert.Equal([0x20, 3, 0, 0x87, 0], bytes);
    }

    [Fact]
    public void Connack_v3_for_a_malformed_connect_is_refused_because_3_1_1_just_closes() =>
        Assert.Throws<ArgumentException>(() => MqttNet.Written(w => MqttPacketWriter.WriteConnAck(w, MqttProtocolVersion.V311, false, MqttReasonCode.MalformedPacket)));

    [Theory]
    [InlineData(MqttReasonCode.BadUserNameOrPassword, MqttConnectReturnCode.ConnectionRefusedBadUsernameOrPassword)]
    [InlineData(MqttReasonCode.NotAuthorized, MqttConnectReturnCode.ConnectionRefusedNotAuthorized)]
    [InlineData(MqttReasonCode.UnsupportedProtocolVersion, MqttConnectReturnCode.ConnectionRefusedUnacceptableProtocolVersion)]
    public void Connack_codes_map_between_versions_both_ways(MqttReasonCode v5, MqttConnectReturnCode v3)
    {
        Assert.Equal((byte)v3, (byte)MqttConnAckCodes.ToV311(v5)!.Value);
        Assert.Equal(v5, MqttConnAckCodes.FromV311((Protocol.MqttConnectReturnCode)(byte)v3));
    }

    [Fact]
    public void Pingresp_is_two_bytes_MQTTnet_understands()
    {
        byte[] bytes = MqttNet.Written(MqttPacketWriter.WritePingResp);
        Assert.Equal([0xD0, 0], bytes);
        MqttNet.Decode<MqttPingRespPacket>(bytes, MqttProtocolVersion.V311);
    }
}
