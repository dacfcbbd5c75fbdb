using System.Text;

namespace Tidings.Fuzz.Sqs;

/// <summary>
/// One SQS API call as a fuzz input, in a readable text form a finding's .bin holds:
/// "METHOD RAW-TARGET\n", then "Name: value\n" per header, then an empty line and the body bytes.
/// A "{receipt}" in the body becomes a live receipt handle of fz-q when the call runs.
/// </summary>
internal sealed record SqsCase(string Method, string Target, IReadOnlyList<(string Name, string Value)> Headers, byte[] Body)
{
    public const string ReceiptPlaceholder = "{receipt}";

    public byte[] Encode()
    {
        var head = new StringBuilder().Append(Method).Append(' ').Append(Target).Append('\n');
        foreach (var (name, value) in Headers) head.Append(name).Append(": ").Append(value).Append('\n');
        head.Append('\n');
        return [.. Encoding.UTF8.GetBytes(head.ToString()), .. Body];
    }

    public static SqsCase Decode(byte[] input)
    {
        int end = input.AsSpan().IndexOf("\n\n"u8);
        string head = Encoding.UTF8.GetString(end < 0 ? input : input.AsSpan(0, end));
        byte[] body = end < 0 ? [] : input[(end + 2)..];
        string[] lines = head.Split('\n');
        int space = lines[0].IndexOf(' ', StringComparison.Ordinal);
        string method = space < 0 ? "POST" : lines[0][..space];
        string target = space < 0 ? lines[0] : lines[0][(space + 1)..];
        var headers = new List<(string, string)>();
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0) headers.Add((line[..colon], line[(colon + 1)..].TrimStart(' ')));
        }
        return new SqsCase(method, target.Length == 0 ? "/" : target, headers, body);
    }

    public string? Header(string name) =>
        Headers.Where(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    /// <summary>True when the server takes the call as AWS JSON 1.0 (it has an X-Amz-Target header).</summary>
    /// An empty value counts as none: the in-memory server drops empty headers, so the server sees Query.
    public bool IsJson => Headers.Any(h => h.Name.Equals("X-Amz-Target", StringComparison.OrdinalIgnoreCase) && h.Value.Length > 0);
}
