using System.Buffers.Binary;
using System.Text;

namespace Tidings.Storage.Records;

/// <summary>
/// Reads a record written by <see cref="RecordWriter"/> (and v1's AMQP fields), big-endian.
/// Every read checks the bytes are there: a record cut short or lying about a length throws
/// <see cref="InvalidDataException"/>, which recovery reports, rather than running off the end.
/// </summary>
internal ref struct RecordReader(ReadOnlyMemory<byte> record)
{
    /// <summary>The whole record: byte strings that outlive the read (native encodings, the body) are slices of it.</summary>
    private readonly ReadOnlyMemory<byte> _record = record;
    private readonly ReadOnlySpan<byte> _span = record.Span;

    /// <summary>Bytes read so far.</summary>
    public int Position { get; private set; }

    public readonly int Remaining => _span.Length - Position;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

    /// <summary>A uint32 length and that many UTF-8 bytes.</summary>
    public string ReadString() => Encoding.UTF8.GetString(Take(ReadLength()));

    /// <summary>A uint32 length and that many bytes, copied (the value outlives the record).</summary>
    public byte[] ReadBytes() => Take(ReadLength()).ToArray();

    /// <summary>A uint32 length and that many bytes, as a slice of the record (no copy).</summary>
    public ReadOnlyMemory<byte> ReadBytesShared()
    {
        int length = ReadLength();
        var slice = _record.Slice(Position, length);
        Take(length);
        return slice;
    }

    /// <summary>The next <paramref name="count"/> bytes.</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
            throw new InvalidDataException($"message record cut short: {count} bytes wanted at {Position}, {Remaining} left");
        var bytes = _span.Slice(Position, count);
        Position += count;
        return bytes;
    }

    /// <summary>Everything after what was read (the body), as a slice of the record.</summary>
    public ReadOnlyMemory<byte> Rest() => _record[Position..];

    /// <summary>A slice of the record that was already read, [start, Position).</summary>
    public readonly ReadOnlyMemory<byte> Since(int start) => _record[start..Position];

    /// <summary>A count or length prefix, refused when more than the record holds (so a corrupt length cannot ask for gigabytes).</summary>
    public int ReadLength()
    {
        uint length = ReadUInt32();
        if (length > (uint)Remaining)
            throw new InvalidDataException($"message record claims {length} bytes at {Position - 4}, {Remaining} left");
        return (int)length;
    }
}
