using System.Buffers;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;
using static Tidings.Amqp.Tests.Protocol.ProtocolTestBuffers;

namespace Tidings.Amqp.Tests.Protocol;

public sealed class FrameWriterTests
{
    [Fact]
    public void Heartbeat_is_the_eight_byte_frame_on_channel_zero()
    {
        Assert.Equal("08" + "0000" + "00000000" + "CE", ToHex(Written(FrameWriter.WriteHeartbeat)));
    }

    [Theory]
    [InlineData(4096u, 0)]
    [InlineData(4096u, 1)]
    [InlineData(4096u, 4088)]   // exactly one full frame
    [InlineData(4096u, 4089)]   // one byte spills into a second frame
    [InlineData(4096u, 20000)]
    [InlineData(131072u, 300_000)]
    [InlineData(9u, 5)]         // the smallest frame-max: one payload byte per frame
    public void Body_is_split_into_frames_no_larger_than_frame_max(uint frameMax, int bodySize)
    {
        var body = Enumerable.Range(0, bodySize).Select(i => (byte)(i * 7)).ToArray();
        var fromSpan = Written(w => FrameWriter.WriteBody(w, 5, body, frameMax));
        var fromSequence = Written(w => FrameWriter.WriteBody(w, 5, Segmented(body, 1000), frameMax));
        Assert.Equal(fromSpan, fromSequence);

        var buffer = new ReadOnlySequence<byte>(fromSpan);
        var reassembled = new List<byte>();
        int frames = 0;
        while (FrameReader.TryReadFrame(ref buffer, frameMax, out var frame))
        {
            Assert.Equal(FrameType.Body, frame.Type);
            Assert.Equal(5, frame.Channel);
            Assert.True(frame.Payload.Length + 8 <= frameMax, $"frame of {frame.Payload.Length + 8} bytes exceeds frame-max {frameMax}");
            Assert.True(frame.Payload.Length > 0);
            reassembled.AddRange(frame.Payload.ToArray());
            frames++;
        }

        Assert.True(buffer.IsEmpty);
        Assert.Equal(body, reassembled);
        Assert.Equal((bodySize + (int)frameMax - 9) / ((int)frameMax - 8), frames);
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(8u)]
    public void Frame_max_without_room_for_payload_is_refused(uint frameMax)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Written(w => FrameWriter.WriteBody(w, 1, new byte[3], frameMax)));
    }

    [Fact]
    public void Content_method_is_written_as_method_header_and_body_frames()
    {
        var properties = new MessageProperties { ContentType = "application/json", Durable = true };
        var body = new byte[10_000];
        Random.Shared.NextBytes(body);
        var bytes = Written(w => FrameWriter.WriteContentMethod(
            w, 9, new BasicDeliver { ConsumerTag = "c", DeliveryTag = 1, Exchange = "e", RoutingKey = "r" }, properties, body, 4096));

        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(FrameReader.TryReadFrame(ref buffer, 4096, out var method));
        Assert.Equal(AmqpMethodId.BasicDeliver, method.MethodId);
        Assert.Equal("r", BasicDeliver.Read(method.MethodArguments).RoutingKey);

        Assert.True(FrameReader.TryReadFrame(ref buffer, 4096, out var header));
        Assert.Equal(FrameType.Header, header.Type);
        var content = ContentHeaderCodec.Read(header.Payload);
        Assert.Equal(10_000UL, content.BodySize);
        Assert.Equal("application/json", content.Properties.ContentType);
        Assert.True(content.Properties.IsPersistent);

        var received = new List<byte>();
        while (FrameReader.TryReadFrame(ref buffer, 4096, out var frame))
        {
            Assert.Equal(FrameType.Body, frame.Type);
            Assert.Equal(9, frame.Channel);
            received.AddRange(frame.Payload.ToArray());
        }

        Assert.Equal(body, received);
    }

    [Fact]
    public void Method_frames_are_not_split_even_above_frame_max()
    {
        // RabbitMQ ignores frame-max for method frames: they cannot be split.
        var start = new ConnectionStart { ServerProperties = new() { ["big"] = new string('x', 10_000) } };
        var bytes = Written(w => FrameWriter.WriteMethod(w, 0, start));
        Assert.Equal(start.GetSize() + 8, bytes.Length);
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(FrameReader.TryReadFrame(ref buffer, 0, out var frame));
        Assert.Equal(new string('x', 10_000), ConnectionStart.Read(frame.MethodArguments).ServerProperties!["big"]);
    }
}
