using Tidings.Core;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Sns;

/// <summary>
/// The SNS API actions served on the SQS listener (AWS Query, Version 2010-03-31, XML in the SNS
/// namespace; also AWS JSON 1.0 with <c>X-Amz-Target: AmazonSimpleNotificationService.*</c>).
/// </summary>
public static class SnsActions
{
    public const string Version = "2010-03-31";
    public const string Namespace = "http://sns.amazonaws.com/doc/2010-03-31/";
    public const string JsonTargetPrefix = "AmazonSimpleNotificationService.";

    private static readonly Dictionary<string, Func<SqsRequest, Task>> Handlers = new(StringComparer.Ordinal)
    {
        ["CreateTopic"] = TopicActions.CreateTopic,
        ["DeleteTopic"] = TopicActions.DeleteTopic,
        ["ListTopics"] = TopicActions.ListTopics,
        ["GetTopicAttributes"] = TopicActions.GetTopicAttributes,
        ["SetTopicAttributes"] = TopicActions.SetTopicAttributes,
        ["Subscribe"] = SubscriptionActions.Subscribe,
        ["Unsubscribe"] = SubscriptionActions.Unsubscribe,
        ["ListSubscriptions"] = SubscriptionActions.ListSubscriptions,
        ["ListSubscriptionsByTopic"] = SubscriptionActions.ListSubscriptionsByTopic,
        ["GetSubscriptionAttributes"] = SubscriptionActions.GetSubscriptionAttributes,
        ["SetSubscriptionAttributes"] = SubscriptionActions.SetSubscriptionAttributes,
        ["Publish"] = PublishActions.Publish,
        ["PublishBatch"] = PublishActions.PublishBatch,
        ["TagResource"] = SnsTagActions.TagResource,
        ["UntagResource"] = SnsTagActions.UntagResource,
        ["ListTagsForResource"] = SnsTagActions.ListTagsForResource,
    };

    /// <summary>Whether <paramref name="action"/> is an SNS action (no SQS action has the same name).</summary>
    public static bool IsSnsAction(string action) => Handlers.ContainsKey(action);

    /// <summary>The handler, refusing core errors in SNS terms; null for a name the SNS API does not have.</summary>
    public static Func<SqsRequest, Task>? Find(string action) =>
        Handlers.TryGetValue(action, out var handler) ? request => Run(handler, request) : null;

    public static IReadOnlyCollection<string> Names => Handlers.Keys;

    private static async Task Run(Func<SqsRequest, Task> handler, SqsRequest request)
    {
        try
        {
            await handler(request).ConfigureAwait(false);
        }
        catch (BrokerException e)
        {
            throw SnsErrors.FromBroker(e);
        }
    }
}
