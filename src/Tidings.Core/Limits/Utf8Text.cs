namespace Tidings.Core.Limits;

/// <summary>UTF-8 lengths of .NET strings, telling apart text that has no UTF-8 form (lone surrogates).</summary>
public static class Utf8Text
{
    /// <summary>
    /// The UTF-8 byte count of <paramref name="text"/>, or -1 when it holds a lone surrogate and so
    /// has no UTF-8 encoding: written to the wire it would silently become U+FFFD, a different name.
    /// </summary>
    public static int ByteCount(string text)
    {
        int bytes = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c < 0x80) bytes += 1;
            else if (c < 0x800) bytes += 2;
            else if (!char.IsSurrogate(c)) bytes += 3;
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                bytes += 4;
                i++;
            }
            else return -1;
        }
        return bytes;
    }

    /// <summary>True when <paramref name="text"/> has a UTF-8 form of at most <paramref name="maxBytes"/> bytes.</summary>
    public static bool Fits(string text, int maxBytes)
    {
        int count = ByteCount(text);
        return count >= 0 && count <= maxBytes;
    }
}
