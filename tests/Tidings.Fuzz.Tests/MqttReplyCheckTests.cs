using Tidings.Fuzz.Mqtt;
using Tidings.Mqtt.Protocol;

namespace Tidings.Fuzz.Tests;

/// <summary>The MQTT target's answer rules on their own: each breach is caught, the MQTT way passes.</summary>
public sealed class MqttReplyCheckTests
{
    private const int MaxPacketSize = 64 * 1024;

    private static readonly byte[] ConnectV5 = MqttClientPackets.Connect(MqttProtocolVersion.V500, "c").Encode();
    private static readonly byte[] ConnectV311 = MqttClientPackets.Connect(MqttProtocolVersion.V311, "c").Encode();
    /// <summary>PUBLISH with QoS bits 3: a framing error.</summary>
    private static readonly byte[] Malformed = [0x36, 0x05, 0x00, 0x01, (byte)'t', 0x00, 0x01];

    private static readonly byte[] ConnAckV5 = [0x20, 0x03, 0x00, 0x00, 0x00];
    private static readonly byte[] ConnAckV311 = [0x20, 0x02, 0x00, 0x00];
    private static readonly byte[] Publish = [0x30, 0x04, 0x00, 0x01, (byte)'t', (byte)'x'];

    private static Failure? Check(byte[] input, params byte[][] output) =>
        MqttReplyCheck.Check(input, MqttFraming.Split([.. output.SelectMany(p => p)], 0, fromServer: true), MaxPacketSize);

    [Fact]
    public void The_mqtt_way_passes()
    {
        Assert.Null(Check([.. ConnectV5, .. Malformed], ConnAckV5, Publish, [0xE0, 0x01, 0x81]));
        Assert.Null(Check([.. ConnectV311, .. Malformed], ConnAckV311, Publish));
        Assert.Null(Check([0xC0, 0x00]));
        // A refusal of a 5.0 CONNECT, then nothing.
        Assert.Null(Check(ConnectV5, [0x20, 0x03, 0x00, 0x8C, 0x00]));
    }

    [Theory]
    [InlineData("PUBLISH sent after DISCONNECT")]
    [InlineData("framing error after CONNECT not answered")]
    [InlineData("DISCONNECT sent to a 3.1.1 client")]
    [InlineData("does not start with CONNECT")]
    [InlineData("after a refusing CONNACK")]
    [InlineData("malformed packet")]
    public void Each_breach_is_a_finding(string rule)
    {
        var failure = rule switch
        {
            "PUBLISH sent after DISCONNECT" => Check([.. ConnectV5, .. Malformed], ConnAckV5, [0xE0, 0x01, 0x81], Publish),
            "framing error after CONNECT not answered" => Check([.. ConnectV5, .. Malformed], ConnAckV5),
            "DISCONNECT sent to a 3.1.1 client" => Check([.. ConnectV311, .. Malformed], ConnAckV311, [0xE0, 0x01, 0x81]),
            "does not start with CONNECT" => Check([0xC0, 0x00], ConnAckV311),
            "after a refusing CONNACK" => Check(ConnectV5, [0x20, 0x03, 0x00, 0x87, 0x00], Publish),
            _ => Check(ConnectV5, ConnAckV5, [0x36, 0x00]),
        };
        Assert.NotNull(failure);
        Assert.Contains(rule, failure.Kind + failure.Detail, StringComparison.Ordinal);
    }
}
