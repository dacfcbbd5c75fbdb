using Tidings.Mqtt.Protocol;

namespace Tidings.Fuzz.Mqtt;

/// <summary>A client's side of one MQTT connection as packets (CONNECT first), so mutations can work on whole packets and their parts.</summary>
internal sealed class MqttSession(string name, MqttProtocolVersion version, List<MqttWirePacket> packets)
{
    public string Name { get; } = name;
    public MqttProtocolVersion Version { get; } = version;
    public List<MqttWirePacket> Packets { get; } = packets;

    public byte[] ToBytes() => [.. Packets.SelectMany(p => p.Encode())];
}
