using System.Buffers;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using Tidings.Mqtt.Protocol;
using NetPackets = MQTTnet.Packets;
using NetVersion = MQTTnet.Formatter.MqttProtocolVersion;

namespace Tidings.Mqtt.Tests;

/// <summary>MQTTnet's public packet formatter, the independent codec our bytes are checked against.</summary>
internal static class MqttNet
{
    public static NetVersion VersionOf(Protocol.MqttProtocolVersion version) => version switch
    {
        Protocol.MqttProtocolVersion.V310 => NetVersion.V310,
        Protocol.MqttProtocolVersion.V311 => NetVersion.V311,
        _ => NetVersion.V500,
    };

    public static byte[] Encode(NetPackets.MqttPacket packet, Protocol.MqttProtocolVersion version)
    {
        var adapter = new MqttPacketFormatterAdapter(VersionOf(version), new MqttBufferWriter(4096, 65536));
        return adapter.Encode(packet).ToArray();
    }

    public static NetPackets.MqttPacket Decode(byte[] bytes, Protocol.MqttProtocolVersion version)
    {
        Assert.True(MqttVariableByteInteger.TryRead(bytes.AsSpan(1), out int remaining, out int size));
        Assert.Equal(bytes.Length, 1 + size + remaining);
        var received = new ReceivedMqttPacket(bytes[0], new ArraySegment<byte>(bytes, 1 + size, remaining), bytes.Length);
        var adapter = new MqttPacketFormatterAdapter(VersionOf(version), new MqttBufferWriter(4096, 65536));
        return adapter.Decode(received);
    }

    public static T Decode<T>(byte[] bytes, Protocol.MqttProtocolVersion version)
        where T : NetPackets.MqttPacket => Assert.IsType<T>(Decode(bytes, version));

    /// <summary>Encodes with MQTTnet, then reads the packet back with our reader.</summary>
    public static MqttPacket EncodeAndRead(NetPackets.MqttPacket packet, Protocol.MqttProtocolVersion version) =>
        Bytes.Read(Encode(packet, version));

    public static byte[] Written(Func<IBufferWriter<byte>, int> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        int size = write(buffer);
        Assert.Equal(size, buffer.WrittenCount);
        return buffer.WrittenSpan.ToArray();
    }
}
