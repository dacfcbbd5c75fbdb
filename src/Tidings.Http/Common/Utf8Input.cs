using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Tidings.Http.Common;

/// <summary>
/// Checks that text a client sent is well-formed UTF-8 before anything decodes it, so malformed
/// input is a 400 instead of an exception deep in a handler. System.Text.Json validates the
/// structure of a document but decodes strings only when they are read (GetString throws
/// InvalidOperationException for invalid UTF-8 or a lone escaped surrogate such as "\ud800").
/// </summary>
public static class Utf8Input
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Null when every byte of <paramref name="json"/> is valid UTF-8 and every escaped string
    /// decodes to valid UTF-16; otherwise what is wrong. Call it on a document that parsed.
    /// </summary>
    public static string? JsonProblem(ReadOnlySequence<byte> json)
    {
        if (json.IsSingleSegment ? !System.Text.Unicode.Utf8.IsValid(json.FirstSpan) : !IsValid(json))
            return "the body is not valid UTF-8";
        // Unescaped strings are covered by the check above; only escapes can still hide a lone surrogate.
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256, CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
                    reader.GetString();
            }
        }
        catch (InvalidOperationException)
        {
            return "a JSON string holds an escape that is not valid UTF-16 (a lone surrogate)";
        }
        catch (JsonException)
        {
            // The caller's parser reports structural errors with its own message.
        }
        return null;
    }

    /// <inheritdoc cref="JsonProblem(ReadOnlySequence{byte})"/>
    public static string? JsonProblem(ReadOnlyMemory<byte> json) => JsonProblem(new ReadOnlySequence<byte>(json));

    /// <summary>
    /// Percent-decodes one path segment as UTF-8 (as Uri.UnescapeDataString, which instead leaves
    /// invalid sequences escaped); false when the decoded bytes are not valid UTF-8.
    /// </summary>
    public static bool TryUnescapePathSegment(string segment, out string decoded)
    {
        if (!segment.Contains('%'))
        {
            decoded = segment;
            return true;
        }
        var bytes = new byte[Encoding.UTF8.GetByteCount(segment)];
        int length = 0, literalStart = 0;
        for (int i = 0; i < segment.Length; i++)
        {
            if (segment[i] != '%' || i + 2 >= segment.Length || !char.IsAsciiHexDigit(segment[i + 1]) || !char.IsAsciiHexDigit(segment[i + 2]))
                continue;
            length += Encoding.UTF8.GetBytes(segment.AsSpan(literalStart, i - literalStart), bytes.AsSpan(length));
            bytes[length++] = (byte)(HexValue(segment[i + 1]) << 4 | HexValue(segment[i + 2]));
            i += 2;
            literalStart = i + 1;
        }
        length += Encoding.UTF8.GetBytes(segment.AsSpan(literalStart), bytes.AsSpan(length));
        try
        {
            decoded = Strict.GetString(bytes, 0, length);
            return true;
        }
        catch (DecoderFallbackException)
        {
            decoded = "";
            return false;
        }
    }

    private static bool IsValid(ReadOnlySequence<byte> sequence)
    {
        // Rare (bodies arrive in one segment once complete, mostly): copy rather than track sequences split mid-character.
        return System.Text.Unicode.Utf8.IsValid(sequence.ToArray());
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
