using System.Buffers;
using System.Buffers.Binary;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// Reads MQTT data types from a packet body. Running out of bytes is malformed (the fixed header said
/// how long the body is, so it is complete). Strings are checked per <see cref="MqttUtf8"/>.
/// </summary>
internal ref struct MqttBodyReader
{
    // The body being read; Consumed counts from its start.
    private SequenceReader<byte> _reader;

    // Names the packet in error messages.
    private readonly string _packet;

    public MqttBodyReader(ReadOnlySequence<byte> body, string packet)
    {
        _reader = new SequenceReader<byte>(body);
        _packet = packet;
    }

    public readonly long Remaining => _reader.Remaining;

    public readonly long Consumed => _reader.Consumed;

    public readonly bool End => _reader.End;

    public byte ReadByte(string what)
    {
        if (!_reader.TryRead(out byte value))
        {
            throw Truncated(what);
        }

        return value;
    }

    public ushort ReadUInt16(string what)
    {
        if (!_reader.TryReadBigEndian(out short value))
        {
            throw Truncated(what);
        }

        return (ushort)value;
    }

    public uint ReadUInt32(string what)
    {
        if (!_reader.TryReadBigEndian(out int value))
        {
            throw Truncated(what);
        }

        return (uint)value;
    }

    public int ReadVariableByteInteger(string what)
    {
        Span<byte> bytes = stackalloc byte[MqttVariableByteInteger.MaxSize];
        int have = (int)Math.Min(bytes.Length, _reader.Remaining);
        _reader.TryCopyTo(bytes[..have]);
        if (!MqttVariableByteInteger.TryRead(bytes[..have], out int value, out int size))
        {
            throw Truncated(what);
        }

        _reader.Advance(size);
        return value;
    }

    /// <summary>A uint16 length and that many bytes, as a slice of the body.</summary>
    public ReadOnlySequence<byte> ReadBinary(string what)
    {
        int length = ReadUInt16(what);
        if (_reader.Remaining < length)
        {
            throw Truncated(what);
        }

        var slice = _reader.UnreadSequence.Slice(0, length);
        _reader.Advance(length);
        return slice;
    }

    /// <summary>A UTF-8 string, checked and decoded.</summary>
    public string ReadString(string what)
    {
        var slice = ReadBinary(what);
        if (slice.IsSingleSegment)
        {
            return MqttUtf8.Decode(slice.FirstSpan, $"{_packet} {what}");
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent((int)slice.Length);
        try
        {
            var span = rented.AsSpan(0, (int)slice.Length);
            slice.CopyTo(span);
            return MqttUtf8.Decode(span, $"{_packet} {what}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Binary data copied out (for small property values that outlive the buffer).</summary>
    public byte[] ReadBinaryArray(string what) => ReadBinary(what).ToArray();

    /// <summary>Everything not read yet, as a slice; the reader ends.</summary>
    public ReadOnlySequence<byte> ReadRest()
    {
        var rest = _reader.UnreadSequence;
        _reader.AdvanceToEnd();
        return rest;
    }

    /// <summary>Throws malformed when bytes are left over.</summary>
    public readonly void ExpectEnd()
    {
        if (!_reader.End)
        {
            throw MqttProtocolException.Malformed($"{_packet}: {_reader.Remaining} unexpected bytes after the packet's fields");
        }
    }

    public readonly MqttProtocolException Truncated(string what) =>
        MqttProtocolException.Malformed($"{_packet}: packet ends inside {what}");

    public readonly string PacketName => _packet;
}
