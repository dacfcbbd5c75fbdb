using System.Text.Json;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Queues;

/// <summary>
/// What AWS checks when a queue names a dead-letter queue: the target exists, is of the same type
/// (a FIFO queue's dead letters go to a FIFO queue), and its RedriveAllowPolicy lets this source
/// use it (<c>allowAll</c>, <c>denyAll</c>, or <c>byQueue</c> with at most 10 source ARNs).
/// </summary>
public static class RedriveRules
{
    private const int MaxSourceQueues = 10;

    /// <summary>A RedriveAllowPolicy's text is valid; InvalidAttributeValue otherwise.</summary>
    public static void CheckAllowPolicy(string json)
    {
        if (ParseAllowPolicy(json) is null)
            throw SqsErrors.InvalidAttributeValue($"Invalid value for the parameter RedriveAllowPolicy. Reason: Amazon SQS can't parse the RedriveAllowPolicy: {json}");
    }

    /// <summary>Checks <paramref name="settings"/>' redrive policy for a queue named <paramref name="sourceName"/>.</summary>
    public static void CheckTarget(SqsService service, string sourceName, QueueSettings settings)
    {
        if (settings.Redrive is not { } redrive) return;
        string? targetName = QueueNames.NameOfArn(redrive.TargetArn);
        var target = targetName is null ? null : service.VirtualHost.FindQueue(targetName);
        if (target is null || target.Exclusive)
            throw SqsErrors.InvalidParameterValue($"Value {settings.Values[QueueAttributeNames.RedrivePolicy]} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.");
        var targetSettings = service.Catalog.Of(target).Settings;
        if (targetSettings.Fifo != settings.Fifo)
            throw SqsErrors.InvalidParameterValue("Value for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of queue as the source.");
        if (targetSettings.Values.GetValueOrDefault(QueueAttributeNames.RedriveAllowPolicy) is { } allow &&
            ParseAllowPolicy(allow) is { } policy && !Allows(policy, service.Arn(sourceName)))
            throw SqsErrors.InvalidParameterValue($"Value for parameter RedrivePolicy is invalid. Reason: Queue {redrive.TargetArn} does not allow {service.Arn(sourceName)} to use it as a dead-letter queue.");
    }

    private static bool Allows((string Permission, HashSet<string> Sources) policy, string sourceArn) => policy.Permission switch
    {
        "allowAll" => true,
        "denyAll" => false,
        _ => policy.Sources.Contains(sourceArn),
    };

    private static (string Permission, HashSet<string> Sources)? ParseAllowPolicy(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("redrivePermission", out var permission) ||
                permission.GetString() is not ("allowAll" or "denyAll" or "byQueue")) return null;
            var sources = new HashSet<string>(StringComparer.Ordinal);
            if (root.TryGetProperty("sourceQueueArns", out var arns))
            {
                if (arns.ValueKind != JsonValueKind.Array) return null;
                foreach (var arn in arns.EnumerateArray())
                {
                    if (arn.ValueKind != JsonValueKind.String) return null;
                    sources.Add(arn.GetString()!);
                }
            }
            // byQueue needs 1 to 10 sources; the other two take none.
            bool byQueue = permission.GetString() == "byQueue";
            if (byQueue ? sources.Count is 0 or > MaxSourceQueues : sources.Count > 0) return null;
            return (permission.GetString()!, sources);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
