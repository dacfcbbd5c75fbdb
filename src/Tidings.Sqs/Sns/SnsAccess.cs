using Tidings.Core.Security;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Sns;

/// <summary>Shared pieces of the SNS actions: permission checks, resolving ARNs, reading tags, paging.</summary>
internal static class SnsAccess
{
    public const int PageSize = 100;

    /// <summary>Whether the request's user may do <paramref name="kind"/> on <paramref name="resource"/> (an exchange or queue name) in the SQS virtual host.</summary>
    public static void Authorize(SqsRequest request, Permission kind, string resource)
    {
        var permissions = request.User.PermissionsFor(request.Service.Options.VirtualHost);
        if (permissions is null || !permissions.Allows(kind, resource))
            throw SnsErrors.AuthorizationError($"User: {request.User.Name} is not authorized to perform: SNS:{request.Action} on resource: {resource}");
    }

    /// <summary>The topic named by the ARN in <paramref name="member"/>; InvalidParameter for a malformed ARN, NotFound for an unknown topic.</summary>
    public static SnsTopic Topic(SqsRequest request, string member = "TopicArn")
    {
        string arn = request.Input.String(member) ?? throw SnsErrors.InvalidParameter(member);
        string name = SnsNames.TopicNameOfArn(arn) ?? throw SnsErrors.InvalidParameter($"{member} Reason: An ARN must have at least 6 elements, not {arn.Split(':').Length}");
        var topic = request.Service.Topics.FindTopic(name);
        return topic is not null && topic.Arn == arn ? topic : throw SnsErrors.TopicNotFound();
    }

    public static SnsSubscription Subscription(SqsRequest request)
    {
        string arn = request.Input.String("SubscriptionArn") ?? throw SnsErrors.InvalidParameter("SubscriptionArn");
        return request.Service.Topics.FindSubscription(arn) ?? throw SnsErrors.SubscriptionNotFound();
    }

    /// <summary>Tags (Query <c>Tags.member.N.Key/Value</c>; JSON a list of {Key, Value}), checked as AWS checks them.</summary>
    public static Dictionary<string, string> Tags(SqsInput input)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in input.Entries("Tags", "Tags.member"))
        {
            string key = entry.String("Key") ?? throw SnsErrors.InvalidParameter("Tags Reason: a tag has no Key");
            string value = entry.String("Value") ?? "";
            if (key.Length is 0 or > 128 || value.Length > 256 || key.StartsWith("aws:", StringComparison.Ordinal))
                throw SnsErrors.InvalidParameter($"Tags Reason: tag keys are 1 to 128 characters (not starting with aws:), values at most 256: '{key}'");
            tags[key] = value;
        }
        return tags;
    }

    /// <summary>A page of <paramref name="items"/> (sorted by <paramref name="keyOf"/>) starting at the NextToken, and the token of the next page.</summary>
    public static (List<T> Page, string? Next) Page<T>(SqsRequest request, List<T> items, Func<T, string> keyOf)
    {
        string? token = request.Input.String("NextToken");
        int start = 0;
        if (!string.IsNullOrEmpty(token))
        {
            string after;
            try
            {
                after = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
            }
            catch (FormatException)
            {
                throw SnsErrors.InvalidParameter("NextToken");
            }
            while (start < items.Count && string.CompareOrdinal(keyOf(items[start]), after) < 0) start++;
        }
        var page = items.Skip(start).Take(PageSize).ToList();
        string? next = start + PageSize < items.Count
            ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(keyOf(items[start + PageSize])))
            : null;
        return (page, next);
    }
}
