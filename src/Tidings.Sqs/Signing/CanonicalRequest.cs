using System.Text;

namespace Tidings.Sqs.Signing;

/// <summary>
/// Builds the parts of a Signature Version 4 canonical request, as AWS documents them for services
/// other than S3, from a request as it arrived.
/// </summary>
internal static class CanonicalRequest
{
    private const string HexDigits = "0123456789ABCDEF";

    /// <summary>
    /// Appends the canonical URI: the path with "." and ".." segments and empty segments removed, then
    /// URI-encoded again. The path arrives already encoded once, and clients (botocore, the .NET SDK)
    /// sign it encoded twice for every service but S3: "/a%20b" is signed as "/a%2520b".
    /// </summary>
    public static void AppendPath(StringBuilder sb, string rawPath)
    {
        if (rawPath.Length == 0)
        {
            sb.Append('/');
            return;
        }
        if (!NeedsNormalising(rawPath))
        {
            UriEncode(sb, rawPath, keepSlash: true);
            return;
        }

        // RFC 3986 remove_dot_segments, dropping empty segments too, as botocore's normalize_url_path does.
        var kept = new List<string>();
        foreach (var segment in rawPath.Split('/'))
        {
            if (segment.Length == 0 || segment == ".") continue;
            if (segment == "..")
            {
                if (kept.Count > 0) kept.RemoveAt(kept.Count - 1);
                continue;
            }
            kept.Add(segment);
        }
        if (rawPath[0] == '/') sb.Append('/');
        for (var i = 0; i < kept.Count; i++)
        {
            if (i > 0) sb.Append('/');
            UriEncode(sb, kept[i], keepSlash: false);
        }
        if (rawPath[^1] == '/' && kept.Count > 0) sb.Append('/');
    }

    /// <summary>
    /// Appends the canonical query string: each parameter decoded from the wire and encoded again the
    /// AWS way (so "%7e", "~" and "%7E" sign alike), sorted by encoded name then encoded value, a
    /// name without '=' given an empty value. <paramref name="skipSignature"/> leaves out
    /// X-Amz-Signature, which a presigned URL carries but did not sign.
    /// </summary>
    public static void AppendQuery(StringBuilder sb, string rawQuery, bool skipSignature)
    {
        if (rawQuery.Length == 0) return;
        var pairs = new List<(string Name, string Value)>();
        var encoder = new StringBuilder();
        foreach (var (name, value) in QueryParameters(rawQuery))
        {
            if (skipSignature && name == "X-Amz-Signature") continue;
            encoder.Clear();
            UriEncode(encoder, name, keepSlash: false);
            var encodedName = encoder.ToString();
            encoder.Clear();
            UriEncode(encoder, value, keepSlash: false);
            pairs.Add((encodedName, encoder.ToString()));
        }
        pairs.Sort(static (x, y) =>
        {
            var byName = string.CompareOrdinal(x.Name, y.Name);
            return byName != 0 ? byName : string.CompareOrdinal(x.Value, y.Value);
        });
        for (var i = 0; i < pairs.Count; i++)
        {
            if (i > 0) sb.Append('&');
            sb.Append(pairs[i].Name).Append('=').Append(pairs[i].Value);
        }
    }

    /// <summary>
    /// Appends one "name:value\n" line per signed header, in the order of <paramref name="signedHeaders"/>
    /// (lower-case names joined by ';'). Repeated headers join with ','; each value is trimmed and its
    /// runs of spaces collapsed. Returns the first signed header the request lacks, or null.
    /// </summary>
    public static string? AppendHeaders(StringBuilder sb, IReadOnlyList<KeyValuePair<string, string>> headers, string signedHeaders)
    {
        foreach (var range in signedHeaders.AsSpan().Split(';'))
        {
            var name = signedHeaders.AsSpan()[range];
            var lineStart = sb.Length;
            sb.Append(name).Append(':');
            var found = false;
            foreach (var header in headers)
            {
                if (!name.Equals(header.Key, StringComparison.OrdinalIgnoreCase)) continue;
                if (found) sb.Append(',');
                AppendTrimmed(sb, header.Value);
                found = true;
            }
            if (!found)
            {
                sb.Length = lineStart;
                return name.ToString();
            }
            sb.Append('\n');
        }
        return null;
    }

    /// <summary>The parameters of a raw query string, percent-decoded, '+' read as a space.</summary>
    public static IEnumerable<(string Name, string Value)> QueryParameters(string rawQuery)
    {
        foreach (var part in rawQuery.Split('&'))
        {
            if (part.Length == 0) continue;
            var equals = part.IndexOf('=');
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? "" : part[(equals + 1)..];
            yield return (Decode(name), Decode(value));
        }
    }

    /// <summary>Decodes one query component; invalid escapes stay as they are.</summary>
    private static string Decode(string component) =>
        Uri.UnescapeDataString(component.Contains('+') ? component.Replace('+', ' ') : component);

    /// <summary>
    /// Appends <paramref name="text"/> URI-encoded as SigV4 wants: unreserved characters (A-Z a-z 0-9
    /// - _ . ~) as they are, every other UTF-8 byte as %XX with upper-case hex, '/' kept only in paths.
    /// </summary>
    public static void UriEncode(StringBuilder sb, ReadOnlySpan<char> text, bool keepSlash)
    {
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsAscii && (IsUnreserved((char)rune.Value) || (keepSlash && rune.Value == '/')))
            {
                sb.Append((char)rune.Value);
                continue;
            }
            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                sb.Append('%').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
            }
        }
    }

    private static bool IsUnreserved(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~';

    /// <summary>True when the path has empty, "." or ".." segments to remove.</summary>
    private static bool NeedsNormalising(string path)
    {
        foreach (var range in path.AsSpan().Split('/'))
        {
            var segment = path.AsSpan()[range];
            if (range.Start.Value == 0 && segment.Length == 0) continue; // before the leading '/'
            if (range.End.Value == path.Length && segment.Length == 0) continue; // after a trailing '/'
            if (segment.Length == 0 || segment is "." or "..") return true;
        }
        return false;
    }

    /// <summary>Appends a header value trimmed, with each run of spaces and tabs made one space.</summary>
    private static void AppendTrimmed(StringBuilder sb, string value)
    {
        var span = value.AsSpan().Trim();
        var inSpace = false;
        foreach (var c in span)
        {
            if (c is ' ' or '\t')
            {
                inSpace = true;
                continue;
            }
            if (inSpace) sb.Append(' ');
            inSpace = false;
            sb.Append(c);
        }
    }
}
