namespace Tidings.Sqs.Sns;

/// <summary>A topic's SNS state: the attributes set on it and its tags. Changed only under the catalog's lock.</summary>
public sealed class SnsTopic(string name, string arn, long createdSeconds, Dictionary<string, string> attributes, Dictionary<string, string> tags)
{
    public string Name { get; } = name;
    public string Arn { get; } = arn;
    public long CreatedSeconds { get; } = createdSeconds;
    /// <summary>Attributes set by CreateTopic or SetTopicAttributes (DisplayName, Policy, DeliveryPolicy, ...).</summary>
    public Dictionary<string, string> Attributes { get; } = attributes;
    public Dictionary<string, string> Tags { get; } = tags;
    public string ExchangeName => SnsNames.ExchangeOf(Name);
}
