using Tidings.Core.Security;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Actions;

/// <summary>Cost-allocation tags: TagQueue, UntagQueue, ListQueueTags (at most 50 per queue, as AWS).</summary>
public static class TagActions
{
    private const int MaxTags = 50;

    public static Task TagQueue(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Configure, core.Name);
        // The model's TagMap shape is flattened with locationName "Tag": Query sends Tag.N.Key / Tag.N.Value
        // (as for CreateQueue), JSON a "Tags" object.
        var tags = request.Input.StringMap("Tags", "Tag", "Key", "Value");
        if (tags.Count == 0) throw SqsErrors.MissingParameter("Tags");
        foreach (var (key, value) in tags)
        {
            if (key.Length is 0 or > 128 || value.Length > 256)
                throw SqsErrors.InvalidParameterValue($"Tag key must be 1 to 128 characters and its value at most 256: '{key}'.");
        }
        var merged = new Dictionary<string, string>(sqs.Tags);
        foreach (var (key, value) in tags) merged[key] = value;
        if (merged.Count > MaxTags) throw SqsErrors.InvalidParameterValue($"Too many tags added for queue {core.Name}.");
        sqs.Tag(tags);
        request.Service.Catalog.Save();
        return Task.CompletedTask;
    }

    public static Task UntagQueue(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Configure, core.Name);
        var keys = request.Input.StringList("TagKeys", "TagKey");
        if (keys.Count == 0) throw SqsErrors.MissingParameter("TagKeys");
        sqs.Untag(keys);
        request.Service.Catalog.Save();
        return Task.CompletedTask;
    }

    public static Task ListQueueTags(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Read, core.Name);
        var tags = sqs.Tags;
        if (tags.Count > 0)
        {
            request.Output.StartMap("Tags", "Tag", "Key", "Value");
            foreach (var (key, value) in tags.OrderBy(t => t.Key, StringComparer.Ordinal)) request.Output.MapString(key, value);
            request.Output.EndMap();
        }
        return Task.CompletedTask;
    }
}
