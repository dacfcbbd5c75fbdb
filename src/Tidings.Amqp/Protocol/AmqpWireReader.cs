using System.Buffers;
using System.Text;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// Reads AMQP primitives from a <see cref="SequenceReader{T}"/> over a complete frame payload.
/// Running out of bytes inside a complete payload is the peer's fault, so every shortfall is an
/// <see cref="AmqpSyntaxException"/> (502), never an index exception.
/// </summary>
internal static class AmqpWireReader
{
    public static byte ReadOctet(ref SequenceReader<byte> reader) =>
        reader.TryRead(out byte value) ? value : throw Truncated(1, reader.Remaining);

    public static ushort ReadUInt16(ref SequenceReader<byte> reader) =>
        reader.TryReadBigEndian(out short value) ? (ushort)value : throw Truncated(2, reader.Remaining);

    public static short ReadInt16(ref SequenceReader<byte> reader) =>
        reader.TryReadBigEndian(out short value) ? value : throw Truncated(2, reader.Remaining);

    public static uint ReadUInt32(ref SequenceReader<byte> reader) =>
        reader.TryReadBigEndian(out int value) ? (uint)value : throw Truncated(4, reader.Remaining);

    public static int ReadInt32(ref SequenceReader<byte> reader) =>
        reader.TryReadBigEndian(out int value) ? value : throw Truncated(4, reader.Remaining);

    public static ulong ReadUInt64(ref SequenceReader<byte> reader) =>
        reader.TryReadBigEndian(out long value) ? (ulong)value : throw Truncated(8, reader.Remaining);

    public static long ReadInt64(ref SequenceReader<byte> reader) =>
        reader.TryReadBigEndian(out long value) ? value : throw Truncated(8, reader.Remaining);

    public static float ReadSingle(ref SequenceReader<byte> reader) => BitConverter.Int32BitsToSingle(ReadInt32(ref reader));

    public static double ReadDouble(ref SequenceReader<byte> reader) => BitConverter.Int64BitsToDouble(ReadInt64(ref reader));

    /// <summary>
    /// A short string. AMQP does not promise UTF-8 here; invalid sequences are decoded with
    /// U+FFFD replacement rather than refused (names, tags and properties are text in every client).
    /// With a <paramref name="cache"/>, a string decoded recently is returned again instead of a new one.
    /// </summary>
    public static string ReadShortString(ref SequenceReader<byte> reader, ShortStringCache? cache = null)
    {
        int length = ReadOctet(ref reader);
        if (length == 0)
        {
            return string.Empty;
        }

        EnsureRemaining(ref reader, length, "short string");
        string value;
        if (reader.UnreadSpan.Length >= length)
        {
            value = Decode(reader.UnreadSpan[..length], cache);
        }
        else
        {
            Span<byte> scratch = stackalloc byte[AmqpWire.MaxShortStringBytes];
            reader.TryCopyTo(scratch[..length]);
            value = Decode(scratch[..length], cache);
        }

        reader.Advance(length);
        return value;
    }

    private static string Decode(ReadOnlySpan<byte> utf8, ShortStringCache? cache) =>
        cache is null ? Encoding.UTF8.GetString(utf8) : cache.Get(utf8);

    /// <summary>A long string as bytes, copied out of the (pooled) frame buffer.</summary>
    public static ReadOnlyMemory<byte> ReadLongString(ref SequenceReader<byte> reader) => ReadLongStringBytes(ref reader);

    /// <summary>A long string (or any 4-byte-length-prefixed byte run) copied into a new array.</summary>
    public static byte[] ReadLongStringBytes(ref SequenceReader<byte> reader)
    {
        uint length = ReadUInt32(ref reader);
        if (length == 0)
        {
            return [];
        }

        EnsureRemaining(ref reader, length, "long string");
        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        return bytes;
    }

    /// <summary>A field table, or null when it is empty (so the common "no arguments" case allocates nothing).</summary>
    public static Dictionary<string, object?>? ReadTableOrNull(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadBigEndian(out int length))
        {
            throw Truncated(4, reader.Remaining);
        }

        if (length == 0)
        {
            return null;
        }

        reader.Rewind(4);
        return FieldTableCodec.ReadTable(ref reader);
    }

    /// <summary>Throws unless <paramref name="count"/> bytes remain.</summary>
    public static void EnsureRemaining(ref SequenceReader<byte> reader, long count, string what)
    {
        if (reader.Remaining < count)
        {
            throw new AmqpSyntaxException($"{what} of {count} bytes runs past the end of its container ({reader.Remaining} bytes left)");
        }
    }

    /// <summary>Throws when bytes are left after the last argument of <paramref name="what"/>.</summary>
    public static void EnsureEnd(ref SequenceReader<byte> reader, string what)
    {
        if (!reader.End)
        {
            throw new AmqpSyntaxException($"{what}: {reader.Remaining} unexpected bytes after the last field");
        }
    }

    private static AmqpSyntaxException Truncated(int needed, long remaining) =>
        new($"payload truncated: needed {needed} more bytes, {remaining} left");
}
