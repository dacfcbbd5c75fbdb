using System.Globalization;
using System.Text.RegularExpressions;

namespace Tidings.Sqs.Sns;

/// <summary>Topic attributes: which may be set, their checks, and what GetTopicAttributes shows.</summary>
public static partial class TopicAttributes
{
    private static readonly HashSet<string> Settable = new(StringComparer.Ordinal)
    {
        "DisplayName", "Policy", "DeliveryPolicy", "KmsMasterKeyId", "SignatureVersion", "TracingConfig",
        "ArchivePolicy", "DataProtectionPolicy",
    };

    private static readonly string[] JsonValued = ["Policy", "DeliveryPolicy", "ArchivePolicy", "DataProtectionPolicy"];

    [GeneratedRegex("^(HTTP|HTTPS|Firehose|Lambda|SQS|Application)(Success|Failure)Feedback(RoleArn|SampleRate)$")]
    private static partial Regex FeedbackAttribute();

    /// <summary>Checks one attribute SetTopicAttributes or CreateTopic was given; InvalidParameter otherwise.</summary>
    public static void Check(string name, string value)
    {
        if (name is "FifoTopic" or "ContentBasedDeduplication" or "FifoThroughputScope")
        {
            if (name == "FifoTopic" && value == "false") return;
            throw SnsErrors.InvalidParameter($"Attributes Reason: {name}: FIFO topics are not supported by this server (Tidings serves standard topics only).");
        }
        if (!Settable.Contains(name) && !FeedbackAttribute().IsMatch(name))
            throw SnsErrors.InvalidParameter("AttributeName");
        switch (name)
        {
            case "DisplayName" when value.Length > 100:
                throw SnsErrors.InvalidParameter("DisplayName");
            case "SignatureVersion" when value is not ("1" or "2"):
                throw SnsErrors.InvalidParameter("SignatureVersion");
            case "TracingConfig" when value is not ("PassThrough" or "Active"):
                throw SnsErrors.InvalidParameter("TracingConfig");
        }
        if (JsonValued.Contains(name) && value.Length > 0 && !SubscriptionAttributes.IsJsonObject(value))
            throw SnsErrors.InvalidParameter($"{name}: failed to parse JSON.");
    }

    /// <summary>Everything GetTopicAttributes answers: the computed attributes, then those set.</summary>
    public static SortedDictionary<string, string> Show(SnsTopic topic, string account, int confirmed)
    {
        var shown = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["TopicArn"] = topic.Arn,
            ["Owner"] = account,
            ["Policy"] = DefaultPolicy(topic.Arn, account),
            ["DisplayName"] = "",
            ["SubscriptionsConfirmed"] = confirmed.ToString(CultureInfo.InvariantCulture),
            ["SubscriptionsPending"] = "0",
            ["SubscriptionsDeleted"] = "0",
            ["EffectiveDeliveryPolicy"] = DefaultDeliveryPolicy,
        };
        foreach (var (name, value) in topic.Attributes)
        {
            shown[name] = value;
            if (name == "DeliveryPolicy" && value.Length > 0) shown["EffectiveDeliveryPolicy"] = value;
        }
        if (shown["Policy"].Length == 0) shown["Policy"] = DefaultPolicy(topic.Arn, account);
        return shown;
    }

    public const string DefaultDeliveryPolicy =
        "{\"http\":{\"defaultHealthyRetryPolicy\":{\"minDelayTarget\":20,\"maxDelayTarget\":20,\"numRetries\":3,\"numMaxDelayRetries\":0," +
        "\"numNoDelayRetries\":0,\"numMinDelayRetries\":0,\"backoffFunction\":\"linear\"},\"disableSubscriptionOverrides\":false," +
        "\"defaultRequestPolicy\":{\"headerContentType\":\"text/plain; charset=UTF-8\"}}}";

    /// <summary>The policy AWS gives a new topic: the owner's account may do everything.</summary>
    public static string DefaultPolicy(string arn, string account) =>
        "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[{\"Sid\":\"__default_statement_ID\",\"Effect\":\"Allow\"," +
        "\"Principal\":{\"AWS\":\"*\"},\"Action\":[\"SNS:GetTopicAttributes\",\"SNS:SetTopicAttributes\",\"SNS:AddPermission\"," +
        "\"SNS:RemovePermission\",\"SNS:DeleteTopic\",\"SNS:Subscribe\",\"SNS:ListSubscriptionsByTopic\",\"SNS:Publish\"]," +
        $"\"Resource\":\"{arn}\",\"Condition\":{{\"StringEquals\":{{\"AWS:SourceOwner\":\"{account}\"}}}}}}]}}";
}
