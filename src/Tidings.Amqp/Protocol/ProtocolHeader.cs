using System.Buffers;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// The 8-byte protocol header a client sends first: <c>"AMQP" 0 0 9 1</c>. On any other header the
/// server answers with this one and closes the socket.
/// </summary>
public static class ProtocolHeader
{
    /// <summary>Header length in bytes.</summary>
    public const int Length = 8;

    /// <summary>The AMQP 0-9-1 header bytes.</summary>
    public static ReadOnlySpan<byte> Amqp091 =>
        [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 0, AmqpConstants.VersionMajor, AmqpConstants.VersionMinor, AmqpConstants.VersionRevision];

    /// <summary>
    /// Takes the first 8 bytes of <paramref name="buffer"/> and says whether they are the AMQP 0-9-1
    /// header. Returns false, leaving <paramref name="buffer"/> as it was, when fewer than 8 bytes arrived.
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out bool isAmqp091)
    {
        isAmqp091 = false;
        if (buffer.Length < Length)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[Length];
        buffer.Slice(0, Length).CopyTo(header);
        isAmqp091 = header.SequenceEqual(Amqp091);
        buffer = buffer.Slice(Length);
        return true;
    }

    /// <summary>Writes the AMQP 0-9-1 header (what the server sends back before closing on a bad header).</summary>
    public static void Write(IBufferWriter<byte> writer) => writer.Write(Amqp091);
}
