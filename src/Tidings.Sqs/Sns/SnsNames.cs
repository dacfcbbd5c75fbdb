namespace Tidings.Sqs.Sns;

/// <summary>Topic names, their ARNs and the core exchange each topic is.</summary>
public static class SnsNames
{
    /// <summary>The prefix of a topic's exchange: topic "orders" is the durable fanout exchange "sns:orders".</summary>
    public const string ExchangePrefix = "sns:";

    /// <summary>
    /// Longest topic name: AWS allows 256 characters, but the exchange name ("sns:" + name) must fit
    /// AMQP's 255-byte short string.
    /// </summary>
    public const int MaxNameLength = 255 - 4;

    public static string ExchangeOf(string topicName) => ExchangePrefix + topicName;

    public static string TopicArn(string region, string account, string name) => $"arn:aws:sns:{region}:{account}:{name}";

    /// <summary>Alphanumerics, hyphens and underscores, 1 to <see cref="MaxNameLength"/> characters.</summary>
    public static bool IsValidName(string name) =>
        name.Length is >= 1 and <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    /// <summary>The topic name of "arn:aws:sns:region:account:name"; null for anything else (a subscription ARN has 7 parts).</summary>
    public static string? TopicNameOfArn(string? arn)
    {
        if (arn is null) return null;
        var parts = arn.Split(':');
        return parts.Length == 6 && parts[0] == "arn" && parts[2] == "sns" && parts[5].Length > 0 ? parts[5] : null;
    }
}
