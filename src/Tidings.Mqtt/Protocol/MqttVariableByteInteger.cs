namespace Tidings.Mqtt.Protocol;

/// <summary>
/// The Variable Byte Integer: 7 bits per byte, least significant group first, bit 7 set when more
/// bytes follow; at most four bytes.
/// </summary>
public static class MqttVariableByteInteger
{
    /// <summary>The largest encodable value, 268,435,455.</summary>
    public const int MaxValue = 0x0FFFFFFF;

    /// <summary>The longest encoding, in bytes.</summary>
    public const int MaxSize = 4;

    /// <summary>Bytes needed to encode <paramref name="value"/> (0..<see cref="MaxValue"/>).</summary>
    public static int GetSize(int value) => value switch
    {
        < 0x80 => 1,
        < 0x4000 => 2,
        < 0x200000 => 3,
        _ => 4,
    };

    /// <summary>Writes the minimal encoding of <paramref name="value"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, or above <see cref="MaxValue"/>.</exception>
    public static int Write(Span<byte> destination, int value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, MaxValue);
        int i = 0;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0)
            {
                b |= 0x80;
            }

            destination[i++] = b;
        }
        while (value != 0);
        return i;
    }

    /// <summary>
    /// Reads a Variable Byte Integer from the start of <paramref name="source"/>. Returns false when
    /// <paramref name="source"/> ends before the last byte.
    /// </summary>
    /// <exception cref="MqttProtocolException">Malformed: a fourth byte with the continuation bit.</exception>
    public static bool TryRead(ReadOnlySpan<byte> source, out int value, out int size)
    {
        value = 0;
        for (int i = 0; i < MaxSize; i++)
        {
            if (i >= source.Length)
            {
                size = 0;
                return false;
            }

            byte b = source[i];
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                size = i + 1;
                return true;
            }
        }

        throw MqttProtocolException.Malformed("variable byte integer longer than 4 bytes");
    }
}
