using Tidings.Core.Security;
using Tidings.Sqs.Protocol;
using Tidings.Sqs.Queues;

namespace Tidings.Sqs.Sns;

/// <summary>
/// Subscribe, Unsubscribe, ListSubscriptions, ListSubscriptionsByTopic, Get/SetSubscriptionAttributes.
/// Only the <c>sqs</c> protocol is served; its subscriptions are confirmed at once. Subscribing
/// needs write permission on the queue (Publish then sends to it on the subscriber's behalf) and
/// read permission on the topic's exchange.
/// </summary>
public static class SubscriptionActions
{
    public static Task Subscribe(SqsRequest request)
    {
        var topic = SnsAccess.Topic(request);
        var input = request.Input;
        string protocol = input.String("Protocol") ?? throw SnsErrors.InvalidParameter("Protocol");
        if (protocol != "sqs")
        {
            throw protocol is "http" or "https" or "email" or "email-json" or "sms" or "application" or "lambda" or "firehose"
                ? SnsErrors.InvalidParameter($"Protocol Reason: protocol {protocol} is not supported by this server; only sqs is")
                : SnsErrors.InvalidParameter($"Amazon SNS does not support this protocol string: {protocol}");
        }
        string endpoint = input.String("Endpoint") ?? throw SnsErrors.InvalidParameter("Endpoint");
        string queue = QueueNames.NameOfArn(endpoint) ?? throw SnsErrors.InvalidParameter("SQS endpoint ARN");
        if (queue.EndsWith(".fifo", StringComparison.Ordinal))
            throw SnsErrors.InvalidParameter("Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics");
        var attributes = input.StringMap("Attributes", "Attributes.entry", "key", "value");
        var probe = new SnsSubscription("", topic.Name, topic.Arn, protocol, endpoint, request.Service.Options.AccountId);
        try
        {
            probe.Apply(attributes);
        }
        catch (SqsException e) when (e.Code == "InvalidParameter" && e.Message.StartsWith("Invalid parameter: FilterPolicy", StringComparison.Ordinal))
        {
            // Subscribe words it as an attribute problem: "Invalid parameter: Attributes Reason: FilterPolicy: ...".
            throw SnsErrors.InvalidParameter("Attributes Reason: " + e.Message["Invalid parameter: ".Length..]);
        }
        SnsAccess.Authorize(request, Permission.Write, queue);
        SnsAccess.Authorize(request, Permission.Read, topic.ExchangeName);

        var subscription = request.Service.Topics.Change(m =>
        {
            if (!m.Topics.ContainsKey(topic.Name)) throw SnsErrors.TopicNotFound();
            var existing = m.Subscriptions.Values.FirstOrDefault(s => s.TopicName == topic.Name && s.Protocol == protocol && s.Endpoint == endpoint);
            if (existing is not null)
            {
                foreach (var (key, value) in attributes)
                    if (existing.Attributes.GetValueOrDefault(key) != value)
                        throw SnsErrors.InvalidParameter("Attributes Reason: Subscription already exists with different attributes");
                return existing;
            }
            var created = new SnsSubscription($"{topic.Arn}:{Guid.NewGuid()}", topic.Name, topic.Arn, protocol, endpoint, request.Service.Options.AccountId);
            created.Apply(attributes);
            m.Subscriptions[created.Arn] = created;
            return created;
        });
        // SQS subscriptions need no confirmation, so the ARN is answered whatever ReturnSubscriptionArn says.
        request.Output.String("SubscriptionArn", subscription.Arn);
        return Task.CompletedTask;
    }

    public static Task Unsubscribe(SqsRequest request)
    {
        var subscription = SnsAccess.Subscription(request);
        SnsAccess.Authorize(request, Permission.Read, SnsNames.ExchangeOf(subscription.TopicName));
        request.Service.Topics.Change(m => m.Subscriptions.Remove(subscription.Arn));
        return Task.CompletedTask;
    }

    public static Task ListSubscriptions(SqsRequest request)
    {
        Write(request, request.Service.Topics.Subscriptions());
        return Task.CompletedTask;
    }

    public static Task ListSubscriptionsByTopic(SqsRequest request)
    {
        var topic = SnsAccess.Topic(request);
        Write(request, request.Service.Topics.Subscriptions(topic.Name));
        return Task.CompletedTask;
    }

    private static void Write(SqsRequest request, List<SnsSubscription> subscriptions)
    {
        var (page, next) = SnsAccess.Page(request, subscriptions, s => s.Arn);
        var output = request.Output;
        output.StartList("Subscriptions", "member");
        foreach (var s in page)
        {
            output.StartItem();
            output.String("SubscriptionArn", s.Arn);
            output.String("Owner", s.Owner);
            output.String("Protocol", s.Protocol);
            output.String("Endpoint", s.Endpoint);
            output.String("TopicArn", s.TopicArn);
            output.EndItem();
        }
        output.EndList();
        output.OptionalString("NextToken", next);
    }

    public static Task GetSubscriptionAttributes(SqsRequest request)
    {
        var s = SnsAccess.Subscription(request);
        var shown = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["SubscriptionArn"] = s.Arn,
            ["TopicArn"] = s.TopicArn,
            ["Owner"] = s.Owner,
            ["Protocol"] = s.Protocol,
            ["Endpoint"] = s.Endpoint,
            ["ConfirmationWasAuthenticated"] = "true",
            ["PendingConfirmation"] = "false",
            ["RawMessageDelivery"] = "false",
            ["SubscriptionPrincipal"] = $"arn:aws:iam::{s.Owner}:user/{request.User.Name}",
            ["EffectiveDeliveryPolicy"] = TopicAttributes.DefaultDeliveryPolicy,
        };
        var attributes = s.Attributes;
        foreach (var (key, value) in attributes) shown[key] = value;
        if (attributes.TryGetValue("DeliveryPolicy", out var delivery) && delivery.Length > 0) shown["EffectiveDeliveryPolicy"] = delivery;
        if (attributes.TryGetValue(SubscriptionAttributes.FilterPolicy, out var policy) && policy.Length > 0)
            shown.TryAdd(SubscriptionAttributes.FilterPolicyScope, "MessageAttributes");
        else
            shown.Remove(SubscriptionAttributes.FilterPolicy);
        var output = request.Output;
        output.StartMap("Attributes", "entry", "key", "value");
        foreach (var (key, value) in shown) output.MapString(key, value);
        output.EndMap();
        return Task.CompletedTask;
    }

    public static Task SetSubscriptionAttributes(SqsRequest request)
    {
        var subscription = SnsAccess.Subscription(request);
        string name = request.Input.String("AttributeName") ?? throw SnsErrors.InvalidParameter("AttributeName");
        string value = request.Input.String("AttributeValue") ?? "";
        if (!SubscriptionAttributes.Settable.Contains(name)) throw SnsErrors.InvalidParameter("AttributeName");
        SnsAccess.Authorize(request, Permission.Read, SnsNames.ExchangeOf(subscription.TopicName));
        request.Service.Topics.Change(m =>
        {
            var attributes = new Dictionary<string, string>(subscription.Attributes, StringComparer.Ordinal);
            if (value.Length == 0) attributes.Remove(name);
            else attributes[name] = value;
            subscription.Apply(attributes);
            return 0;
        });
        return Task.CompletedTask;
    }
}
