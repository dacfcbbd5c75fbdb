namespace Tidings.Sqs.Sns;

/// <summary>
/// An SQS subscription of a topic: confirmed at once. <see cref="Attributes"/> are those set
/// (RawMessageDelivery, FilterPolicy, FilterPolicyScope, DeliveryPolicy, RedrivePolicy); the parsed
/// policy and the raw flag are kept beside them and replaced together under the catalog's lock.
/// </summary>
public sealed class SnsSubscription(string arn, string topicName, string topicArn, string protocol, string endpoint, string owner)
{
    public string Arn { get; } = arn;
    public string TopicName { get; } = topicName;
    public string TopicArn { get; } = topicArn;
    public string Protocol { get; } = protocol;
    /// <summary>The queue ARN.</summary>
    public string Endpoint { get; } = endpoint;
    public string Owner { get; } = owner;
    public Dictionary<string, string> Attributes { get; private set; } = new(StringComparer.Ordinal);
    public FilterPolicy? Filter { get; private set; }
    public bool Raw { get; private set; }

    /// <summary>Replaces the attributes, checked by <see cref="SubscriptionAttributes.Parse"/>.</summary>
    public void Apply(Dictionary<string, string> attributes)
    {
        var (filter, raw) = SubscriptionAttributes.Parse(attributes);
        Attributes = attributes;
        Filter = filter;
        Raw = raw;
    }
}
