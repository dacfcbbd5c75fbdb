using System.Buffers;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Tests.Protocol;

/// <summary>The per-message paths a broker runs millions of times must not allocate.</summary>
public sealed class HotPathAllocationTests
{
    private static readonly MessageProperties Properties = new()
    {
        ContentType = "application/json",
        Durable = true,
        Headers = new Dictionary<string, object?> { ["x-retry"] = 3, ["source"] = "api" },
    };

    private static readonly byte[] Body = new byte[20_000];

    [Fact]
    public void Writing_a_delivery_and_reading_frames_and_acks_allocate_nothing()
    {
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        var ackFrames = new ArrayBufferWriter<byte>();
        for (int i = 0; i < 10; i++)
        {
            FrameWriter.WriteMethod(ackFrames, 1, new BasicAck { DeliveryTag = (ulong)i, Multiple = i % 2 == 0 });
        }

        FrameWriter.WriteHeartbeat(ackFrames);
        var input = new ReadOnlySequence<byte>(ackFrames.WrittenMemory);

        // Warm up JIT and the writer's buffer, then measure.
        Assert.Equal(45UL, RunOnce(output, input));
        long before = GC.GetAllocatedBytesForCurrentThread();
        ulong sum = 0;
        for (int i = 0; i < 100; i++)
        {
            sum += RunOnce(output, input);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(4500UL, sum);
        Assert.Equal(0, allocated);
    }

    // Returns the sum of the acked delivery tags so the reads cannot be optimised away.
    private static ulong RunOnce(ArrayBufferWriter<byte> output, ReadOnlySequence<byte> input)
    {
        output.ResetWrittenCount();
        FrameWriter.WriteContentMethod(
            output,
            1,
            new BasicDeliver { ConsumerTag = "amq.ctag-1", DeliveryTag = 42, Exchange = "orders", RoutingKey = "order.created" },
            Properties,
            Body,
            131072);

        ulong sum = 0;
        var buffer = input;
        while (FrameReader.TryReadFrame(ref buffer, 131072, out var frame))
        {
            if (frame.Type == FrameType.Method && frame.MethodId == AmqpMethodId.BasicAck)
            {
                sum += BasicAck.Read(frame.MethodArguments).DeliveryTag;
            }
        }

        return sum;
    }
}
