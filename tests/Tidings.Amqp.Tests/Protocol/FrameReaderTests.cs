using System.Buffers;
using Tidings.Amqp.Protocol;
using static Tidings.Amqp.Tests.Protocol.ProtocolTestBuffers;

namespace Tidings.Amqp.Tests.Protocol;

public sealed class FrameReaderTests
{
    private const uint FrameMax = 131072;

    [Fact]
    public void Heartbeat_frame_is_read_from_its_eight_bytes()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("08 0000 00000000 CE"));
        Assert.True(FrameReader.TryReadFrame(ref buffer, FrameMax, out var frame));
        Assert.Equal(FrameType.Heartbeat, frame.Type);
        Assert.Equal(0, frame.Channel);
        Assert.True(frame.Payload.IsEmpty);
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Consecutive_frames_are_read_one_at_a_time_and_the_buffer_advances()
    {
        var bytes = Written(w =>
        {
            FrameWriter.WriteMethod(w, 1, new BasicAck { DeliveryTag = 7 });
            FrameWriter.WriteHeartbeat(w);
            FrameWriter.WriteMethod(w, 2, new ChannelCloseOk());
        });

        foreach (var layout in Layouts(bytes))
        {
            var buffer = layout;
            var frames = new List<(FrameType, ushort, AmqpMethodId?)>();
            while (FrameReader.TryReadFrame(ref buffer, FrameMax, out var frame))
            {
                frames.Add((frame.Type, frame.Channel, frame.Type == FrameType.Method ? frame.MethodId : null));
            }

            Assert.True(buffer.IsEmpty);
            Assert.Equal(
                [(FrameType.Method, (ushort)1, AmqpMethodId.BasicAck), (FrameType.Heartbeat, (ushort)0, null), (FrameType.Method, (ushort)2, AmqpMethodId.ChannelCloseOk)],
                frames);
        }
    }

    [Fact]
    public void Truncated_input_returns_incomplete_and_leaves_the_buffer_untouched()
    {
        var bytes = Written(w =>
        {
            FrameWriter.WriteMethod(w, 1, new BasicPublish { Exchange = "x", RoutingKey = "k" });
            FrameWriter.WriteContentHeader(w, 1, 3, new Tidings.Core.Messages.MessageProperties { ContentType = "text/plain" });
            FrameWriter.WriteBody(w, 1, "abc"u8, FrameMax);
        });

        for (int length = 0; length < bytes.Length; length++)
        {
            var buffer = Segmented(bytes[..length], 2);
            int complete = 0;
            while (true)
            {
                var before = buffer;
                if (!FrameReader.TryReadFrame(ref buffer, FrameMax, out _))
                {
                    Assert.Equal(before.Length, buffer.Length);
                    Assert.Equal(before.Start, buffer.Start);
                    break;
                }

                complete++;
            }

            Assert.True(complete < 3, $"{length} bytes cannot hold all three frames");
        }
    }

    [Fact]
    public void Method_frame_exposes_its_id_and_arguments()
    {
        var bytes = Written(w => FrameWriter.WriteMethod(w, 3, new QueueDeclare { Queue = "q" }));
        var buffer = Segmented(bytes, 1);
        Assert.True(FrameReader.TryReadFrame(ref buffer, FrameMax, out var frame));
        Assert.Equal(3, frame.Channel);
        Assert.Equal(AmqpMethodId.QueueDeclare, frame.MethodId);
        Assert.Equal("q", QueueDeclare.Read(frame.MethodArguments).Queue);
    }

    [Fact]
    public void Bad_frame_end_throws_frame_error_501()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("08 0000 00000000 CD"));
        var exception = Assert.Throws<AmqpFrameException>(() => FrameReader.TryReadFrame(ref buffer, FrameMax, out _));
        Assert.Equal(501, exception.ReplyCode);
        Assert.StartsWith("FRAME_ERROR - ", exception.ReplyText, StringComparison.Ordinal);
    }

    [Fact]
    public void Payload_larger_than_frame_max_throws_501_as_soon_as_the_header_arrives()
    {
        // Only the 7-byte header: the size alone condemns the frame.
        var buffer = new ReadOnlySequence<byte>(Hex("03 0001 00002001"));
        var exception = Assert.Throws<AmqpFrameException>(() => FrameReader.TryReadFrame(ref buffer, 8192, out _));
        Assert.Equal(AmqpReplyCodes.FrameError, exception.ReplyCode);
    }

    [Theory]
    [InlineData(8192 - 8)]
    [InlineData(8192)] // RabbitMQ tolerates 8 bytes over frame-max minus overhead
    public void Payload_up_to_frame_max_is_accepted(int payloadSize)
    {
        var bytes = new byte[7 + payloadSize + 1];
        bytes[0] = 3;
        bytes[2] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(3), (uint)payloadSize);
        bytes[^1] = 0xCE;
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(FrameReader.TryReadFrame(ref buffer, 8192, out var frame));
        Assert.Equal(payloadSize, frame.Payload.Length);
    }

    [Fact]
    public void Frame_max_zero_means_no_limit()
    {
        var bytes = Written(w => FrameWriter.WriteBody(w, 1, new byte[100_000], 0));
        var buffer = new ReadOnlySequence<byte>(bytes);
        Assert.True(FrameReader.TryReadFrame(ref buffer, 0, out var frame));
        Assert.Equal(100_000, frame.Payload.Length);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)] // the heartbeat type of the 0-9-1 PDF, which nobody uses
    [InlineData(7)]
    [InlineData(9)]
    [InlineData(0xCE)]
    public void Unknown_frame_type_throws_frame_error_501(byte type)
    {
        var buffer = new ReadOnlySequence<byte>([type, 0, 1, 0, 0, 0, 1, 0xAA, 0xCE]);
        var exception = Assert.Throws<AmqpFrameException>(() => FrameReader.TryReadFrame(ref buffer, FrameMax, out _));
        Assert.Contains("unknown frame type", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Heartbeat_on_a_channel_other_than_zero_throws_unexpected_frame_505()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("08 0001 00000000 CE"));
        var exception = Assert.Throws<AmqpUnexpectedFrameException>(() => FrameReader.TryReadFrame(ref buffer, FrameMax, out _));
        Assert.Equal(AmqpReplyCodes.UnexpectedFrame, exception.ReplyCode);
    }

    [Fact]
    public void Heartbeat_with_a_payload_throws_frame_error_501()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("08 0000 00000001 00 CE"));
        Assert.Throws<AmqpFrameException>(() => FrameReader.TryReadFrame(ref buffer, FrameMax, out _));
    }

    [Fact]
    public void Method_frame_too_short_for_its_ids_throws_frame_error_501()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("01 0000 00000003 000A00 CE"));
        Assert.Throws<AmqpFrameException>(() => FrameReader.TryReadFrame(ref buffer, FrameMax, out _));
    }

    [Fact]
    public void Content_header_frame_shorter_than_14_bytes_throws_frame_error_501()
    {
        var buffer = new ReadOnlySequence<byte>(Hex("02 0001 0000000D 003C 0000 0000000000000000 00 CE"));
        Assert.Throws<AmqpFrameException>(() => FrameReader.TryReadFrame(ref buffer, FrameMax, out _));
    }

    [Fact]
    public void Method_id_of_a_non_method_frame_is_an_error()
    {
        var buffer = new ReadOnlySequence<byte>(FrameWriter.HeartbeatFrame.ToArray());
        Assert.True(FrameReader.TryReadFrame(ref buffer, FrameMax, out var frame));
        Assert.Throws<InvalidOperationException>(() => frame.MethodId);
    }

    [Fact]
    public void Protocol_header_is_amqp_0_0_9_1()
    {
        Assert.Equal("414D515000000901", ToHex(ProtocolHeader.Amqp091));
        Assert.Equal("414D515000000901", ToHex(Written(ProtocolHeader.Write)));

        var partial = new ReadOnlySequence<byte>(Hex("414D5150000009"));
        Assert.False(ProtocolHeader.TryRead(ref partial, out _));
        Assert.Equal(7, partial.Length);

        var good = Segmented(Hex("414D515000000901 01"), 3);
        Assert.True(ProtocolHeader.TryRead(ref good, out bool isAmqp));
        Assert.True(isAmqp);
        Assert.Equal(1, good.Length);

        var old = new ReadOnlySequence<byte>(Hex("414D515001010009"));
        Assert.True(ProtocolHeader.TryRead(ref old, out isAmqp));
        Assert.False(isAmqp);
    }
}
