using System.Buffers;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;

namespace Tidings.MicroBench.Amqp;

/// <summary>
/// Client-side frame helpers built from the broker's own codec (<see cref="FrameWriter"/>,
/// <see cref="FrameReader"/>, the generated method structs). The per-batch ones allocate
/// nothing, so whatever a measurement finds allocated is the broker's.
/// </summary>
public static class ClientFrames
{
    /// <summary>
    /// <paramref name="count"/> copies of basic.publish + content header + body, encoded once so
    /// that the benchmark loop only copies bytes into the pipe.
    /// </summary>
    public static byte[] EncodePublishes(int count, ushort channel, string exchange, string routingKey,
        MessageProperties properties, ReadOnlySpan<byte> body, uint frameMax)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var publish = new BasicPublish { Exchange = exchange, RoutingKey = routingKey };
        for (int i = 0; i < count; i++)
        {
            FrameWriter.WriteContentMethod(buffer, channel, publish, properties, body, frameMax);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes basic.ack (a struct method: nothing is allocated).</summary>
    public static void WriteAck(IBufferWriter<byte> writer, ushort channel, ulong deliveryTag, bool multiple) =>
        FrameWriter.WriteMethod(writer, channel, new BasicAck { DeliveryTag = deliveryTag, Multiple = multiple });

    /// <summary>
    /// Takes every complete frame from <paramref name="buffer"/> and counts the basic.deliver
    /// method frames (class 60, method 60), remembering the last delivery tag. Content header and
    /// body frames are skipped unread; only the tag is decoded, without allocating strings.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server closed the channel or the connection.</exception>
    public static int CountDeliveries(ref ReadOnlySequence<byte> buffer, uint frameMax, ref ulong lastDeliveryTag)
    {
        int deliveries = 0;
        while (FrameReader.TryReadFrame(ref buffer, frameMax, out var frame))
        {
            if (frame.Type != FrameType.Method)
            {
                continue;
            }

            var id = frame.MethodId;
            if (id == AmqpMethodId.BasicDeliver)
            {
                lastDeliveryTag = ReadDeliveryTag(frame.MethodArguments);
                deliveries++;
            }
            else if (id is AmqpMethodId.ConnectionClose or AmqpMethodId.ChannelClose)
            {
                throw new InvalidOperationException($"the broker sent {AmqpMethods.Describe(id)}: {DescribeClose(id, frame.MethodArguments)}");
            }
        }

        return deliveries;
    }

    /// <summary>basic.deliver arguments start with the consumer tag (short string), then the delivery tag.</summary>
    private static ulong ReadDeliveryTag(ReadOnlySequence<byte> arguments)
    {
        var reader = new SequenceReader<byte>(arguments);
        reader.TryRead(out byte tagLength);
        reader.Advance(tagLength);
        reader.TryReadBigEndian(out long deliveryTag);
        return (ulong)deliveryTag;
    }

    private static string DescribeClose(AmqpMethodId id, ReadOnlySequence<byte> arguments) =>
        id == AmqpMethodId.ConnectionClose
            ? ConnectionClose.Read(arguments) is var c ? $"{c.ReplyCode} {c.ReplyText}" : ""
            : ChannelClose.Read(arguments) is var ch ? $"{ch.ReplyCode} {ch.ReplyText}" : "";
}
