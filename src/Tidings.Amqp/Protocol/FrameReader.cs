using System.Buffers;
using System.Buffers.Binary;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// Cuts frames out of received bytes: type octet, channel (uint16), payload size (uint32), payload,
/// frame-end octet 0xCE. Use it in the receive loop:
/// <code>
/// var buffer = result.Buffer;
/// while (FrameReader.TryReadFrame(ref buffer, frameMax, out var frame)) Handle(frame);
/// input.AdvanceTo(buffer.Start, buffer.End);
/// </code>
/// </summary>
public static class FrameReader
{
    /// <summary>Type, channel and payload size.</summary>
    public const int HeaderSize = 7;

    /// <summary>Header plus frame-end octet: what a frame costs beyond its payload (frame-max counts it).</summary>
    public const int FrameOverhead = HeaderSize + 1;

    /// <summary>
    /// Payload bytes accepted beyond frame-max minus <see cref="FrameOverhead"/>. RabbitMQ allows this
    /// much because clients often get the overhead wrong, so a payload is refused only when it is larger
    /// than frame-max itself.
    /// </summary>
    public const int FrameSizeTolerance = FrameOverhead;

    /// <summary>
    /// Takes one frame from the start of <paramref name="buffer"/> and moves <paramref name="buffer"/> past it.
    /// Returns false, leaving <paramref name="buffer"/> as it was, when the frame is not complete yet.
    /// </summary>
    /// <param name="buffer">Received bytes; on success, what follows the frame.</param>
    /// <param name="frameMax">The negotiated frame-max (frame size including overhead); 0 means no limit.</param>
    /// <param name="frame">The frame; its payload is a slice of <paramref name="buffer"/>.</param>
    /// <exception cref="AmqpFrameException">
    /// 501: payload above <paramref name="frameMax"/> (raised as soon as the header is in, without waiting
    /// for the payload), frame-end octet other than 0xCE, unknown frame type, a method payload under 4 bytes,
    /// a content header payload under 14 bytes, or a heartbeat with a payload.
    /// </exception>
    /// <exception cref="AmqpUnexpectedFrameException">505: a heartbeat on a channel other than 0.</exception>
    public static bool TryReadFrame(ref ReadOnlySequence<byte> buffer, uint frameMax, out AmqpFrame frame)
    {
        frame = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        byte type = header[0];
        ushort channel = BinaryPrimitives.ReadUInt16BigEndian(header[1..]);
        uint payloadSize = BinaryPrimitives.ReadUInt32BigEndian(header[3..]);

        if (frameMax != 0 && payloadSize > (long)frameMax - FrameOverhead + FrameSizeTolerance)
        {
            throw new AmqpFrameException($"type {type}, channel {channel}: frame payload of {payloadSize} bytes is larger than frame_max {frameMax} allows ({frameMax - FrameOverhead})");
        }

        long frameSize = HeaderSize + (long)payloadSize + 1;
        if (buffer.Length < frameSize)
        {
            return false;
        }

        var endMarker = buffer.Slice(HeaderSize + (long)payloadSize, 1);
        byte end = endMarker.FirstSpan[0];
        if (end != AmqpConstants.FrameEnd)
        {
            throw new AmqpFrameException($"type {type}, channel {channel}: invalid frame end marker 0x{end:X2} (expected 0xCE)");
        }

        var payload = buffer.Slice(HeaderSize, payloadSize);
        Validate(type, channel, payloadSize);
        frame = new AmqpFrame((FrameType)type, channel, payload);
        buffer = buffer.Slice(frameSize);
        return true;
    }

    // The shapes RabbitMQ's frame analysis accepts; anything else is an unknown frame (501).
    private static void Validate(byte type, ushort channel, uint payloadSize)
    {
        switch (type)
        {
            case AmqpConstants.FrameMethod when payloadSize < 4:
                throw new AmqpFrameException($"channel {channel}: method frame payload of {payloadSize} bytes has no class and method id");
            case AmqpConstants.FrameHeader when payloadSize < ContentHeaderCodec.MinimumSize:
                throw new AmqpFrameException($"channel {channel}: content header frame payload of {payloadSize} bytes is shorter than {ContentHeaderCodec.MinimumSize}");
            case AmqpConstants.FrameHeartbeat when payloadSize != 0:
                throw new AmqpFrameException($"channel {channel}: heartbeat frame with a payload of {payloadSize} bytes");
            case AmqpConstants.FrameHeartbeat when channel != 0:
                throw new AmqpUnexpectedFrameException($"heartbeat frame on channel {channel}");
            case AmqpConstants.FrameMethod:
            case AmqpConstants.FrameHeader:
            case AmqpConstants.FrameBody:
            case AmqpConstants.FrameHeartbeat:
                return;
            default:
                throw new AmqpFrameException($"unknown frame type {type} on channel {channel}");
        }
    }
}
