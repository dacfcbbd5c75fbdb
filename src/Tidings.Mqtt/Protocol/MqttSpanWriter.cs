using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// Writes MQTT data types big-endian into a span the caller sized beforehand, so bounds are not
/// re-checked against a growing buffer.
/// </summary>
internal ref struct MqttSpanWriter
{
    // The destination; bytes before _position are written.
    private readonly Span<byte> _buffer;

    // Next byte to write.
    private int _position;

    public MqttSpanWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value) => _buffer[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteVariableByteInteger(int value) => _position += MqttVariableByteInteger.Write(_buffer[_position..], value);

    public void WriteBytes(scoped ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    /// <summary>uint16 length and the UTF-8 bytes (length checked by the size computation).</summary>
    public void WriteString(string value)
    {
        int length = Encoding.UTF8.GetBytes(value, _buffer[(_position + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], (ushort)length);
        _position += 2 + length;
    }

    /// <summary>uint16 length and the bytes.</summary>
    public void WriteBinary(scoped ReadOnlySpan<byte> value)
    {
        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    public void WriteBytes(in ReadOnlySequence<byte> value)
    {
        value.CopyTo(_buffer[_position..]);
        _position += (int)value.Length;
    }
}
