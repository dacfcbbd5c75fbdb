using System.Text;
using System.Text.RegularExpressions;

namespace Tidings.Fuzz.Sqs;

/// <summary>
/// Keeps every receive short: WaitTimeSeconds and the queue attribute ReceiveMessageWaitTimeSeconds
/// are rewritten to 0 wherever they appear (JSON members, form fields, the query string), so a
/// receive on an empty queue answers at once instead of long-polling past the iteration timeout.
/// Applied when an input runs, so a replayed finding is rewritten the same way.
/// </summary>
internal static partial class LongPollGuard
{
    [GeneratedRegex("\"(ReceiveMessageWaitTimeSeconds|WaitTimeSeconds)\"(\\s*:\\s*)(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}\\]\\s]+)")]
    private static partial Regex JsonMember();

    public static SqsCase Apply(SqsCase request)
    {
        string target = request.Target;
        int query = target.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0) target = target[..(query + 1)] + Form(target[(query + 1)..]);
        // Latin-1 maps bytes to chars one to one: the body's other bytes (invalid UTF-8 included) pass unchanged.
        string body = Encoding.Latin1.GetString(request.Body);
        body = JsonMember().Replace(body, m => $"\"{m.Groups[1].Value}\"{m.Groups[2].Value}{(m.Groups[3].Value.StartsWith('"') ? "\"0\"" : "0")}");
        body = Form(body);
        return request with { Target = target, Body = Encoding.Latin1.GetBytes(body) };
    }

    /// <summary>Form fields: WaitTimeSeconds=0, and the Value of any Attribute.N whose Name is ReceiveMessageWaitTimeSeconds.</summary>
    private static string Form(string form)
    {
        if (!form.Contains("WaitTimeSeconds", StringComparison.OrdinalIgnoreCase) && !form.Contains('%')) return form;
        string[] pairs = form.Split('&');
        var names = pairs.Select(p => Decode(p.Split('=', 2)[0])).ToArray();
        var values = pairs.Select(p => p.Contains('=') ? Decode(p.Split('=', 2)[1]) : "").ToArray();
        var waitPrefixes = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < pairs.Length; i++)
        {
            if (values[i] == "ReceiveMessageWaitTimeSeconds" && names[i].EndsWith(".Name", StringComparison.Ordinal))
                waitPrefixes.Add(names[i][..^".Name".Length]);
        }
        for (int i = 0; i < pairs.Length; i++)
        {
            if (names[i] == "WaitTimeSeconds" || (names[i].EndsWith(".Value", StringComparison.Ordinal) && waitPrefixes.Contains(names[i][..^".Value".Length])))
                pairs[i] = pairs[i].Split('=', 2)[0] + "=0";
        }
        return string.Join('&', pairs);
    }

    private static string Decode(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return text;
        }
    }
}
