using Tidings.Core.Security;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Sns;

/// <summary>
/// CreateTopic, DeleteTopic, ListTopics, GetTopicAttributes, SetTopicAttributes. A topic is the
/// durable fanout exchange <c>sns:&lt;name&gt;</c> in the SQS virtual host plus its SNS state in
/// the catalog; creating or deleting one needs configure permission on that exchange.
/// </summary>
public static class TopicActions
{
    private const int MaxTags = 50;

    public static Task CreateTopic(SqsRequest request)
    {
        var input = request.Input;
        string name = input.String("Name") ?? throw SnsErrors.InvalidParameter("Topic Name");
        var attributes = input.StringMap("Attributes", "Attributes.entry", "key", "value");
        if (name.EndsWith(".fifo", StringComparison.Ordinal) || attributes.GetValueOrDefault("FifoTopic") == "true")
            throw SnsErrors.InvalidParameter("Topic Name Reason: FIFO topics are not supported by this server (Tidings serves standard topics only).");
        if (!SnsNames.IsValidName(name)) throw SnsErrors.InvalidParameter("Topic Name");
        foreach (var (key, value) in attributes) TopicAttributes.Check(key, value);
        attributes.Remove("FifoTopic");
        var tags = SnsAccess.Tags(input);
        if (tags.Count > MaxTags) throw SnsErrors.TagLimitExceeded();
        string exchange = SnsNames.ExchangeOf(name);
        SnsAccess.Authorize(request, Permission.Configure, exchange);
        var service = request.Service;
        var topic = service.Topics.Change(m =>
        {
            if (m.Topics.TryGetValue(name, out var existing))
            {
                foreach (var (key, value) in attributes)
                    if (existing.Attributes.GetValueOrDefault(key, "") != value)
                        throw SnsErrors.InvalidParameter("Attributes Reason: Topic already exists with different attributes");
                foreach (var (key, value) in tags)
                    if (existing.Tags.GetValueOrDefault(key) != value)
                        throw SnsErrors.InvalidParameter("Tags Reason: Topic already exists with different tags");
                EnsureExchange(service, name);
                return existing;
            }
            EnsureExchange(service, name);
            var created = new SnsTopic(name, service.TopicArn(name), service.Broker.Time.GetUtcNow().ToUnixTimeSeconds(), attributes, tags);
            m.Topics[name] = created;
            return created;
        });
        request.Output.String("TopicArn", topic.Arn);
        return Task.CompletedTask;
    }

    /// <summary>Declares the topic's exchange: durable fanout (an existing one of another type is an InvalidParameter).</summary>
    public static void EnsureExchange(SqsService service, string topicName) =>
        service.VirtualHost.DeclareExchange(SnsNames.ExchangeOf(topicName), "fanout", durable: true);

    public static Task DeleteTopic(SqsRequest request)
    {
        string arn = request.Input.String("TopicArn") ?? throw SnsErrors.InvalidParameter("TopicArn");
        string name = SnsNames.TopicNameOfArn(arn) ?? throw SnsErrors.InvalidParameter("TopicArn");
        var service = request.Service;
        // Deleting a topic that does not exist succeeds, as in AWS.
        if (service.Topics.FindTopic(name) is null) return Task.CompletedTask;
        SnsAccess.Authorize(request, Permission.Configure, SnsNames.ExchangeOf(name));
        service.Topics.Change(m =>
        {
            if (!m.Topics.Remove(name)) return 0;
            foreach (var subscription in m.Subscriptions.Values.Where(s => s.TopicName == name).ToList())
                m.Subscriptions.Remove(subscription.Arn);
            service.VirtualHost.DeleteExchange(SnsNames.ExchangeOf(name));
            return 0;
        });
        return Task.CompletedTask;
    }

    public static Task ListTopics(SqsRequest request)
    {
        var (page, next) = SnsAccess.Page(request, request.Service.Topics.Topics(), t => t.Name);
        var output = request.Output;
        output.StartList("Topics", "member");
        foreach (var topic in page)
        {
            output.StartItem();
            output.String("TopicArn", topic.Arn);
            output.EndItem();
        }
        output.EndList();
        output.OptionalString("NextToken", next);
        return Task.CompletedTask;
    }

    public static Task GetTopicAttributes(SqsRequest request)
    {
        var topic = SnsAccess.Topic(request);
        int confirmed = request.Service.Topics.Subscriptions(topic.Name).Count;
        Dictionary<string, string> set;
        lock (topic) set = new(topic.Attributes);
        var shown = TopicAttributes.Show(new SnsTopic(topic.Name, topic.Arn, topic.CreatedSeconds, set, []), request.Service.Options.AccountId, confirmed);
        var output = request.Output;
        output.StartMap("Attributes", "entry", "key", "value");
        foreach (var (key, value) in shown) output.MapString(key, value);
        output.EndMap();
        return Task.CompletedTask;
    }

    public static Task SetTopicAttributes(SqsRequest request)
    {
        var topic = SnsAccess.Topic(request);
        string name = request.Input.String("AttributeName") ?? throw SnsErrors.InvalidParameter("AttributeName");
        string value = request.Input.String("AttributeValue") ?? "";
        if (name == "FifoTopic") throw SnsErrors.InvalidParameter("AttributeName Reason: FifoTopic can only be set when the topic is created");
        TopicAttributes.Check(name, value);
        SnsAccess.Authorize(request, Permission.Configure, topic.ExchangeName);
        request.Service.Topics.Change(_ =>
        {
            lock (topic)
            {
                if (value.Length == 0) topic.Attributes.Remove(name);
                else topic.Attributes[name] = value;
            }
            return 0;
        });
        return Task.CompletedTask;
    }
}
