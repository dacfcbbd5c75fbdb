using System.Text;
using System.Text.Unicode;

namespace Tidings.Sqs.Messages;

/// <summary>The characters SQS allows in bodies and attribute values, and the test that a body is such text.</summary>
public static class MessageText
{
    /// <summary>#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF (AWS's list; unpaired surrogates are not text).</summary>
    public static bool IsAllowed(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is '\t' or '\n' or '\r' || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD)) continue;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            return false;
        }
        return true;
    }

    /// <summary>The body as SQS text when it is valid UTF-8 made of allowed characters; null otherwise.</summary>
    public static string? TryDecode(ReadOnlySpan<byte> body)
    {
        if (!Utf8.IsValid(body)) return null;
        string text = Encoding.UTF8.GetString(body);
        return IsAllowed(text) ? text : null;
    }
}
