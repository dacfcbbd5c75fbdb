using Tidings.Core.Security;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Sns;

/// <summary>TagResource, UntagResource, ListTagsForResource on topics (at most 50 tags, as AWS).</summary>
public static class SnsTagActions
{
    private const int MaxTags = 50;

    private static SnsTopic Resource(SqsRequest request)
    {
        string arn = request.Input.String("ResourceArn") ?? throw SnsErrors.InvalidParameter("ResourceArn");
        var topic = SnsNames.TopicNameOfArn(arn) is { } name ? request.Service.Topics.FindTopic(name) : null;
        return topic is not null && topic.Arn == arn ? topic : throw SnsErrors.ResourceNotFound();
    }

    public static Task TagResource(SqsRequest request)
    {
        var topic = Resource(request);
        var tags = SnsAccess.Tags(request.Input);
        if (tags.Count == 0) throw SnsErrors.InvalidParameter("Tags");
        SnsAccess.Authorize(request, Permission.Configure, topic.ExchangeName);
        request.Service.Topics.Change(_ =>
        {
            lock (topic)
            {
                if (topic.Tags.Keys.Union(tags.Keys).Count() > MaxTags) throw SnsErrors.TagLimitExceeded();
                foreach (var (key, value) in tags) topic.Tags[key] = value;
            }
            return 0;
        });
        return Task.CompletedTask;
    }

    public static Task UntagResource(SqsRequest request)
    {
        var topic = Resource(request);
        var keys = request.Input.StringList("TagKeys", "TagKeys.member");
        SnsAccess.Authorize(request, Permission.Configure, topic.ExchangeName);
        request.Service.Topics.Change(_ =>
        {
            lock (topic)
            {
                foreach (var key in keys) topic.Tags.Remove(key);
            }
            return 0;
        });
        return Task.CompletedTask;
    }

    public static Task ListTagsForResource(SqsRequest request)
    {
        var topic = Resource(request);
        List<KeyValuePair<string, string>> tags;
        lock (topic) tags = [.. topic.Tags.OrderBy(t => t.Key, StringComparer.Ordinal)];
        var output = request.Output;
        output.StartList("Tags", "member");
        foreach (var (key, value) in tags)
        {
            output.StartItem();
            output.String("Key", key);
            output.String("Value", value);
            output.EndItem();
        }
        output.EndList();
        return Task.CompletedTask;
    }
}
