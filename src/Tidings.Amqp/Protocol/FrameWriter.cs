using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// Writes whole frames into an <see cref="IBufferWriter{T}"/> (a PipeWriter in the server). Method and
/// content header frames are never split (RabbitMQ ignores frame-max for them); bodies are cut into
/// body frames of at most frame-max bytes, overhead included.
/// </summary>
public static class FrameWriter
{
    /// <summary>The 8-byte heartbeat frame: type 8, channel 0, empty payload, frame end.</summary>
    public static ReadOnlySpan<byte> HeartbeatFrame => [AmqpConstants.FrameHeartbeat, 0, 0, 0, 0, 0, 0, AmqpConstants.FrameEnd];

    /// <summary>Writes a method frame carrying <paramref name="method"/> on <paramref name="channel"/>.</summary>
    /// <exception cref="ArgumentException">A short string argument is longer than 255 bytes, or a table value has no encoding.</exception>
    public static void WriteMethod<TMethod>(IBufferWriter<byte> writer, ushort channel, TMethod method)
        where TMethod : IAmqpMethod
    {
        int size = method.GetSize();
        var span = writer.GetSpan(FrameReader.FrameOverhead + size);
        WriteHeader(span, FrameType.Method, channel, size);
        int written = method.WriteTo(span.Slice(FrameReader.HeaderSize, size));
        Debug.Assert(written == size, $"{method.Id}: GetSize() said {size} bytes, WriteTo wrote {written}");
        span[FrameReader.HeaderSize + size] = AmqpConstants.FrameEnd;
        writer.Advance(FrameReader.FrameOverhead + size);
    }

    /// <summary>Writes a basic content header frame announcing <paramref name="bodySize"/> body bytes.</summary>
    /// <exception cref="ArgumentException">A property is longer than 255 bytes, or a header value has no encoding.</exception>
    public static void WriteContentHeader(IBufferWriter<byte> writer, ushort channel, ulong bodySize, MessageProperties properties)
    {
        int size = ContentHeaderCodec.GetSize(properties);
        var span = writer.GetSpan(FrameReader.FrameOverhead + size);
        WriteHeader(span, FrameType.Header, channel, size);
        int written = ContentHeaderCodec.WriteTo(span.Slice(FrameReader.HeaderSize, size), bodySize, properties);
        Debug.Assert(written == size, $"content header: GetSize() said {size} bytes, WriteTo wrote {written}");
        span[FrameReader.HeaderSize + size] = AmqpConstants.FrameEnd;
        writer.Advance(FrameReader.FrameOverhead + size);
    }

    /// <summary>
    /// Writes <paramref name="body"/> as body frames of at most <paramref name="frameMax"/> bytes each
    /// (payload at most frame-max − 8). An empty body writes no frame at all.
    /// </summary>
    /// <param name="writer">Where the frames go.</param>
    /// <param name="channel">The channel the content belongs to.</param>
    /// <param name="body">The whole message body.</param>
    /// <param name="frameMax">The negotiated frame-max; 0 means no limit (one frame).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frameMax"/> leaves no room for payload.</exception>
    public static void WriteBody(IBufferWriter<byte> writer, ushort channel, ReadOnlySpan<byte> body, uint frameMax)
    {
        int chunk = MaxBodyPayload(frameMax);
        while (!body.IsEmpty)
        {
            int length = Math.Min(chunk, body.Length);
            WriteBodyFrameHeader(writer, channel, length);
            writer.Write(body[..length]);
            WriteFrameEnd(writer);
            body = body[length..];
        }
    }

    /// <summary>As <see cref="WriteBody(IBufferWriter{byte}, ushort, ReadOnlySpan{byte}, uint)"/>, for a body held in segments.</summary>
    public static void WriteBody(IBufferWriter<byte> writer, ushort channel, in ReadOnlySequence<byte> body, uint frameMax)
    {
        if (body.IsSingleSegment)
        {
            WriteBody(writer, channel, body.FirstSpan, frameMax);
            return;
        }

        int chunk = MaxBodyPayload(frameMax);
        var rest = body;
        while (!rest.IsEmpty)
        {
            int length = (int)Math.Min(chunk, rest.Length);
            WriteBodyFrameHeader(writer, channel, length);
            foreach (var segment in rest.Slice(0, length))
            {
                writer.Write(segment.Span);
            }

            WriteFrameEnd(writer);
            rest = rest.Slice(length);
        }
    }

    /// <summary>
    /// Writes a content-carrying method (<c>basic.publish</c>, <c>basic.deliver</c>, <c>basic.return</c>,
    /// <c>basic.get-ok</c>) followed by its content header and body frames.
    /// </summary>
    /// <exception cref="ArgumentException">A short string is longer than 255 bytes or a header value has no encoding; nothing was written.</exception>
    public static void WriteContentMethod<TMethod>(
        IBufferWriter<byte> writer,
        ushort channel,
        TMethod method,
        MessageProperties properties,
        ReadOnlySpan<byte> body,
        uint frameMax)
        where TMethod : IAmqpMethod
    {
        Debug.Assert(AmqpMethods.HasContent(method.Id), $"{method.Id} carries no content");
        // The method and header frames are encoded into one span and committed together: if
        // either throws (a value AMQP cannot carry), nothing reaches the output, so a consumer's
        // stream is never left with a method frame and no content. Bodies are copied, which cannot fail.
        int methodSize = method.GetSize();
        int headerSize = ContentHeaderCodec.GetSize(properties);
        int methodFrame = FrameReader.FrameOverhead + methodSize;
        int total = methodFrame + FrameReader.FrameOverhead + headerSize;
        var span = writer.GetSpan(total);
        WriteHeader(span, FrameType.Method, channel, methodSize);
        int written = method.WriteTo(span.Slice(FrameReader.HeaderSize, methodSize));
        Debug.Assert(written == methodSize, $"{method.Id}: GetSize() said {methodSize} bytes, WriteTo wrote {written}");
        span[FrameReader.HeaderSize + methodSize] = AmqpConstants.FrameEnd;
        var header = span[methodFrame..];
        WriteHeader(header, FrameType.Header, channel, headerSize);
        written = ContentHeaderCodec.WriteTo(header.Slice(FrameReader.HeaderSize, headerSize), (ulong)body.Length, properties);
        Debug.Assert(written == headerSize, $"content header: GetSize() said {headerSize} bytes, WriteTo wrote {written}");
        header[FrameReader.HeaderSize + headerSize] = AmqpConstants.FrameEnd;
        writer.Advance(total);
        WriteBody(writer, channel, body, frameMax);
    }

    /// <summary>Writes the 8-byte heartbeat frame.</summary>
    public static void WriteHeartbeat(IBufferWriter<byte> writer) => writer.Write(HeartbeatFrame);

    /// <summary>The largest body payload one frame may carry under <paramref name="frameMax"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="frameMax"/> is 1 to 8: no room for payload.</exception>
    public static int MaxBodyPayload(uint frameMax)
    {
        if (frameMax == 0)
        {
            return int.MaxValue;
        }

        if (frameMax <= FrameReader.FrameOverhead)
        {
            throw new ArgumentOutOfRangeException(nameof(frameMax), frameMax, $"frame-max must exceed the {FrameReader.FrameOverhead} bytes of frame overhead.");
        }

        return (int)Math.Min(frameMax - FrameReader.FrameOverhead, int.MaxValue);
    }

    private static void WriteHeader(Span<byte> span, FrameType type, ushort channel, int payloadSize)
    {
        span[0] = (byte)type;
        BinaryPrimitives.WriteUInt16BigEndian(span[1..], channel);
        BinaryPrimitives.WriteUInt32BigEndian(span[3..], (uint)payloadSize);
    }

    private static void WriteBodyFrameHeader(IBufferWriter<byte> writer, ushort channel, int payloadSize)
    {
        WriteHeader(writer.GetSpan(FrameReader.HeaderSize), FrameType.Body, channel, payloadSize);
        writer.Advance(FrameReader.HeaderSize);
    }

    private static void WriteFrameEnd(IBufferWriter<byte> writer)
    {
        writer.GetSpan(1)[0] = AmqpConstants.FrameEnd;
        writer.Advance(1);
    }
}
