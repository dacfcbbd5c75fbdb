using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Tests;

public sealed class ReasonCodeTests
{
    // Where the OASIS text lists a code that Paho's table (the JSON's source) leaves out.
    private static readonly HashSet<(MqttPacketType, int)> s_beyondPaho = [(MqttPacketType.ConnAck, 0x99)];

    [Fact]
    public void Per_packet_reason_codes_match_the_spec_companion_json()
    {
        using var json = SpecTables.Load("mqtt5-reason-codes.json");
        var expected = new HashSet<(MqttPacketType, int)>();
        foreach (var entry in json.RootElement.GetProperty("reason_codes").EnumerateArray())
        {
            int value = entry.GetProperty("value").GetInt32();
            Assert.True(Enum.IsDefined((MqttReasonCode)value), $"0x{value:X2} has no MqttReasonCode");
            foreach (var packet in entry.GetProperty("packets").EnumerateArray())
            {
                expected.Add((Enum.Parse<MqttPacketType>(packet.GetString()!, ignoreCase: true), value));
            }
        }

        foreach (var type in Enum.GetValues<MqttPacketType>())
        {
            for (int code = 0; code < 256; code++)
            {
                bool spec = expected.Contains((type, code)) || s_beyondPaho.Contains((type, code));
                Assert.True(spec == MqttReasonCodes.IsValidFor(type, (byte)code), $"{type} 0x{code:X2}: spec {spec}");
            }
        }
    }

    [Fact]
    public void Every_connack_failure_maps_to_a_3_1_1_answer_or_to_closing()
    {
        foreach (var code in Enum.GetValues<MqttReasonCode>().Where(c => MqttReasonCodes.IsValidFor(MqttPacketType.ConnAck, (byte)c)))
        {
            var v3 = MqttConnAckCodes.ToV311(code);
            Assert.Equal(code is MqttReasonCode.MalformedPacket or MqttReasonCode.ProtocolError, v3 is null);
            Assert.Equal(code == MqttReasonCode.Success, v3 == MqttConnectReturnCode.Accepted);
        }
    }

    [Fact]
    public void Protocol_exception_says_whether_the_packet_was_malformed()
    {
        Assert.True(new MqttProtocolException(MqttReasonCode.MalformedPacket, "x").IsMalformed);
        Assert.False(new MqttProtocolException(MqttReasonCode.ProtocolError, "x").IsMalformed);
    }
}
