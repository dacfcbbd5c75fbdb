using System.Buffers.Binary;
using System.Text;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// Writes AMQP primitives big-endian into a span that the caller sized beforehand (from
/// <see cref="IAmqpMethod.GetSize"/> and friends), so no bounds are re-checked against a
/// growing buffer. Length prefixes of tables and arrays are patched in place after their contents.
/// </summary>
internal ref struct AmqpSpanWriter
{
    // The destination; bytes before _position are written.
    private readonly Span<byte> _buffer;

    // Next byte to write.
    private int _position;

    public AmqpSpanWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int Position => _position;

    public void WriteOctet(byte value) => _buffer[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteUInt64(ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(_buffer[_position..], value);
        _position += 8;
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer[_position..], value);
        _position += 8;
    }

    public void WriteSingle(float value)
    {
        BinaryPrimitives.WriteSingleBigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteDouble(double value)
    {
        BinaryPrimitives.WriteDoubleBigEndian(_buffer[_position..], value);
        _position += 8;
    }

    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    /// <summary>Length octet and UTF-8 bytes; null is written as the empty string.</summary>
    /// <exception cref="ArgumentException">The string is longer than 255 UTF-8 bytes.</exception>
    public void WriteShortString(string? value)
    {
        int length = string.IsNullOrEmpty(value) ? 0 : Encoding.UTF8.GetBytes(value, _buffer[(_position + 1)..]);
        if (length > AmqpWire.MaxShortStringBytes)
        {
            throw new ArgumentException($"A short string holds at most {AmqpWire.MaxShortStringBytes} UTF-8 bytes; this one has {length}.", nameof(value));
        }

        _buffer[_position] = (byte)length;
        _position += 1 + length;
    }

    /// <summary>Length octet and bytes already encoded (at most 255).</summary>
    public void WriteShortString(scoped ReadOnlySpan<byte> value)
    {
        if (value.Length > AmqpWire.MaxShortStringBytes)
        {
            throw new ArgumentException($"A short string holds at most {AmqpWire.MaxShortStringBytes} bytes; this one has {value.Length}.", nameof(value));
        }

        WriteOctet((byte)value.Length);
        WriteBytes(value);
    }

    /// <summary>4-byte length and the bytes.</summary>
    public void WriteLongString(scoped ReadOnlySpan<byte> value)
    {
        WriteUInt32((uint)value.Length);
        WriteBytes(value);
    }

    /// <summary>4-byte length and the UTF-8 bytes of <paramref name="value"/>.</summary>
    public void WriteLongString(string value)
    {
        int length = Encoding.UTF8.GetBytes(value, _buffer[(_position + 4)..]);
        WriteUInt32((uint)length);
        _position += length;
    }

    /// <summary>A field table (4-byte length and entries); null is the empty table.</summary>
    public void WriteTable(IEnumerable<KeyValuePair<string, object?>>? table) => FieldTableCodec.WriteTable(ref this, table, depth: 0);

    /// <summary>Skips four bytes for a length written later by <see cref="PatchLength"/>; returns where they are.</summary>
    public int ReserveLength()
    {
        int at = _position;
        _position += 4;
        return at;
    }

    /// <summary>Writes, at <paramref name="at"/>, the count of bytes written since the reservation.</summary>
    public readonly void PatchLength(int at) =>
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[at..], (uint)(_position - at - 4));
}
