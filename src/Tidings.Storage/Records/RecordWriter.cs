using System.Buffers.Binary;
using System.Text;

namespace Tidings.Storage.Records;

/// <summary>
/// Writes big-endian numbers, length-prefixed strings and bytes into a span sized beforehand
/// (by the matching <c>GetSize</c>), so encoding a record allocates nothing.
/// </summary>
internal ref struct RecordWriter(Span<byte> destination)
{
    /// <summary>The record being written; its first <see cref="Position"/> bytes are done.</summary>
    private readonly Span<byte> _destination = destination;

    /// <summary>Bytes written so far.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes a string takes: uint32 length and UTF-8.</summary>
    public static int StringSize(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    public void WriteByte(byte value) => _destination[Position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_destination[Position..], value);
        Position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_destination[Position..], value);
        Position += 4;
    }

    public void WriteInt32(int value) => WriteUInt32((uint)value);

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_destination[Position..], value);
        Position += 8;
    }

    public void WriteUInt64(ulong value) => WriteInt64((long)value);

    /// <summary>uint32 length, then the UTF-8 bytes.</summary>
    public void WriteString(string value)
    {
        int length = Encoding.UTF8.GetBytes(value, _destination[(Position + 4)..]);
        BinaryPrimitives.WriteUInt32BigEndian(_destination[Position..], (uint)length);
        Position += 4 + length;
    }

    /// <summary>uint32 length, then the bytes.</summary>
    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        WriteRaw(value);
    }

    /// <summary>The bytes with no length before them (the body, which runs to the record's end).</summary>
    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_destination[Position..]);
        Position += value.Length;
    }
}
