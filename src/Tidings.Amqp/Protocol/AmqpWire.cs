using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace Tidings.Amqp.Protocol;

/// <summary>Sizes of AMQP primitive values and the write-a-sized-payload helper the generated code shares.</summary>
internal static class AmqpWire
{
    /// <summary>The longest short string, in UTF-8 bytes.</summary>
    public const int MaxShortStringBytes = 255;

    /// <summary>Encoded size of a short string: length octet plus UTF-8 bytes (null is empty).</summary>
    /// <exception cref="ArgumentException">The string is longer than 255 UTF-8 bytes.</exception>
    public static int ShortStringSize(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return 1;
        }

        int length = Encoding.UTF8.GetByteCount(value);
        if (length > MaxShortStringBytes)
        {
            throw new ArgumentException($"A short string holds at most {MaxShortStringBytes} UTF-8 bytes; this one has {length}: '{value[..Math.Min(value.Length, 40)]}…'.", nameof(value));
        }

        return 1 + length;
    }

    /// <summary>Encoded size of a long string: 4-byte length plus UTF-8 bytes.</summary>
    public static int LongStringSize(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    /// <summary>
    /// Writes <paramref name="method"/> (ids and arguments) into one span of <paramref name="writer"/>.
    /// Sizing first keeps to the <see cref="IBufferWriter{T}"/> contract: nothing is patched after Advance.
    /// </summary>
    public static void WriteMethod<TMethod>(IBufferWriter<byte> writer, TMethod method)
        where TMethod : IAmqpMethod
    {
        int size = method.GetSize();
        int written = method.WriteTo(writer.GetSpan(size));
        Debug.Assert(written == size, $"{method.Id}: GetSize() said {size} bytes, WriteTo wrote {written}");
        writer.Advance(written);
    }

    /// <summary><paramref name="text"/> cut to at most <paramref name="maxBytes"/> UTF-8 bytes, never inside a character.</summary>
    public static string TruncateUtf8(string text, int maxBytes)
    {
        if (text.Length * 3 <= maxBytes || Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        int bytes = 0;
        int chars = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
            {
                break;
            }

            bytes += rune.Utf8SequenceLength;
            chars += rune.Utf16SequenceLength;
        }

        return text[..chars];
    }
}
