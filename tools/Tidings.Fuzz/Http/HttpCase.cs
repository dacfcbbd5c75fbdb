using System.Text;

namespace Tidings.Fuzz.Http;

/// <summary>
/// One HTTP request as a fuzz input: "METHOD RAW-TARGET\n" then the body bytes. The text form
/// is what a finding's .bin holds, readable and replayable. A "{lease}" in the target is
/// replaced at run time by a fresh lease id of the REST API.
/// </summary>
internal sealed record HttpCase(string Method, string Target, byte[] Body)
{
    public byte[] Encode() => [.. Encoding.UTF8.GetBytes($"{Method} {Target}\n"), .. Body];

    public static HttpCase Decode(byte[] input)
    {
        int newline = Array.IndexOf(input, (byte)'\n');
        string line = Encoding.UTF8.GetString(newline < 0 ? input : input.AsSpan(0, newline));
        byte[] body = newline < 0 ? [] : input[(newline + 1)..];
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        return space < 0 ? new HttpCase("GET", line, body) : new HttpCase(line[..space], line[(space + 1)..], body);
    }
}
