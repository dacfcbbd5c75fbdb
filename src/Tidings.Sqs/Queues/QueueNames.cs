using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Queues;

/// <summary>SQS queue names, URLs and ARNs.</summary>
public static class QueueNames
{
    /// <summary>1 to 80 characters: alphanumerics, hyphens, underscores; a FIFO queue's name ends in ".fifo" (counted).</summary>
    public static void Check(string name, bool fifo)
    {
        string stem = fifo && name.EndsWith(".fifo", StringComparison.Ordinal) ? name[..^5] : name;
        bool valid = name.Length is >= 1 and <= 80 && stem.Length > 0;
        foreach (char c in stem) valid &= char.IsAsciiLetterOrDigit(c) || c is '-' or '_';
        if (fifo && !name.EndsWith(".fifo", StringComparison.Ordinal)) valid = false;
        if (!valid)
            throw SqsErrors.InvalidParameterValue(fifo
                ? "The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
                : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
    }

    /// <summary>http(s)://host:port/account/name, with the host the client used.</summary>
    public static string Url(string baseUrl, string account, string name) => $"{baseUrl}/{account}/{name}";

    public static string Arn(string region, string account, string name) => $"arn:aws:sqs:{region}:{account}:{name}";

    /// <summary>The queue name of an ARN ("arn:aws:sqs:region:account:name"); null when it is not an SQS queue ARN.</summary>
    public static string? NameOfArn(string arn)
    {
        var parts = arn.Split(':');
        return parts.Length == 6 && parts[0] == "arn" && parts[2] == "sqs" && parts[5].Length > 0 ? parts[5] : null;
    }

    /// <summary>
    /// The queue name in a queue URL: its last path segment (any host: clients keep the URL they
    /// were given, which may name another host than the one they reach us by). Null when the URL
    /// has no path segment.
    /// </summary>
    public static string? NameOfUrl(string url)
    {
        string path = url;
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            int slash = url.IndexOf('/', scheme + 3);
            path = slash < 0 ? "" : url[slash..];
        }
        int query = path.IndexOf('?');
        if (query >= 0) path = path[..query];
        string name = path.TrimEnd('/');
        int last = name.LastIndexOf('/');
        name = last >= 0 ? name[(last + 1)..] : name;
        return name.Length > 0 ? Uri.UnescapeDataString(name) : null;
    }
}
