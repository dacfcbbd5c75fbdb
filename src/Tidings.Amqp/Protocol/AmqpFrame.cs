using System.Buffers;
using System.Buffers.Binary;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// One frame as <see cref="FrameReader"/> found it. The payload is a slice of the caller's buffer:
/// it is valid only until the caller advances its pipe past the frame.
/// </summary>
public readonly struct AmqpFrame
{
    /// <summary>Creates a frame over <paramref name="payload"/>.</summary>
    public AmqpFrame(FrameType type, ushort channel, ReadOnlySequence<byte> payload)
    {
        Type = type;
        Channel = channel;
        Payload = payload;
    }

    /// <summary>The frame type.</summary>
    public FrameType Type { get; }

    /// <summary>The channel number; 0 for connection-level frames and heartbeats.</summary>
    public ushort Channel { get; }

    /// <summary>The payload between the 7-byte header and the frame-end octet.</summary>
    public ReadOnlySequence<byte> Payload { get; }

    /// <summary>For a method frame, the (class, method) id from the first four payload bytes.</summary>
    /// <exception cref="InvalidOperationException">This is not a method frame.</exception>
    public AmqpMethodId MethodId
    {
        get
        {
            if (Type != FrameType.Method)
            {
                throw new InvalidOperationException($"A {Type} frame has no method id.");
            }

            // FrameReader guarantees at least four payload bytes for method frames.
            Span<byte> ids = stackalloc byte[4];
            Payload.Slice(0, 4).CopyTo(ids);
            return (AmqpMethodId)BinaryPrimitives.ReadUInt32BigEndian(ids);
        }
    }

    /// <summary>For a method frame, the arguments after the class and method ids (what the generated <c>Read</c> methods take).</summary>
    /// <exception cref="InvalidOperationException">This is not a method frame.</exception>
    public ReadOnlySequence<byte> MethodArguments =>
        Type == FrameType.Method ? Payload.Slice(4) : throw new InvalidOperationException($"A {Type} frame has no method arguments.");
}
