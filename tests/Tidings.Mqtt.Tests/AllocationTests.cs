using System.Buffers;
using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Tests;

public sealed class AllocationTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public void Publish_qos_1_decode_and_encode_with_a_cached_topic_allocates_nothing(MqttProtocolVersion version)
    {
        var decoder = new MqttPacketDecoder(version);
        var outgoing = new MqttPublishPacket("sensors/line-1/temperature", MqttQos.AtLeastOnce, 17, new ReadOnlySequence<byte>(new byte[64]));
        var wire = new ArrayBufferWriter<byte>(1024);
        MqttPacketWriter.WritePublish(wire, version, outgoing);
        byte[] incoming = wire.WrittenSpan.ToArray();
        var output = new ArrayBufferWriter<byte>(1024);
        int[] subscriptionIds = [3];

        void Once()
        {
            var buffer = new ReadOnlySequence<byte>(incoming);
            Assert.True(MqttPacketReader.TryRead(ref buffer, 1 << 20, out var packet));
            var publish = decoder.DecodePublish(packet);
            output.ResetWrittenCount();
            MqttPacketWriter.WritePublish(output, version, new MqttPublishPacket(publish.Topic, MqttQos.AtLeastOnce, 99, publish.Payload), subscriptionIds);
            MqttPacketWriter.WritePublishAck(output, version, new MqttPublishAckPacket(MqttPacketType.PubAck, publish.PacketId));
        }

        Once(); // warm up: fills the topic cache
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            Once();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated over 10,000 decode+encode rounds");
    }
}
