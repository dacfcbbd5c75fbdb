using System.Globalization;
using System.Text.Json;
using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Queues;

/// <summary>
/// A queue's settable attributes as AWS stores them (text), with the values the broker acts on
/// parsed out. Immutable: SetQueueAttributes makes a new one, so a receive in flight keeps a
/// consistent view without a lock.
/// </summary>
public sealed class QueueSettings
{
    public const int DefaultMaximumMessageSize = 1024 * 1024;
    public const int DefaultRetentionSeconds = 345_600;
    public const int DefaultVisibilityTimeout = 30;

    private QueueSettings(IReadOnlyDictionary<string, string> values) => Values = values;

    /// <summary>Attribute name → value as the client set it (defaults included).</summary>
    public IReadOnlyDictionary<string, string> Values { get; }

    public bool Fifo => Values.GetValueOrDefault(QueueAttributeNames.FifoQueue) == "true";
    public int VisibilityTimeout => Int(QueueAttributeNames.VisibilityTimeout);
    public int MaximumMessageSize => Int(QueueAttributeNames.MaximumMessageSize);
    public int RetentionSeconds => Int(QueueAttributeNames.MessageRetentionPeriod);
    public int DelaySeconds => Int(QueueAttributeNames.DelaySeconds);
    public int ReceiveWaitSeconds => Int(QueueAttributeNames.ReceiveMessageWaitTimeSeconds);
    public bool ContentBasedDeduplication => Values.GetValueOrDefault(QueueAttributeNames.ContentBasedDeduplication) == "true";
    /// <summary>De-duplication per message group instead of per queue (high-throughput FIFO).</summary>
    public bool DeduplicatePerGroup => Values.GetValueOrDefault(QueueAttributeNames.DeduplicationScope) == "messageGroup";

    /// <summary>The redrive policy's dead-letter queue ARN and receive count; null when none.</summary>
    public (string TargetArn, int MaxReceiveCount)? Redrive { get; private init; }

    private int Int(string name) => int.Parse(Values[name], CultureInfo.InvariantCulture);

    /// <summary>A new queue's settings: AWS's defaults overlaid with <paramref name="given"/>, validated.</summary>
    public static QueueSettings Create(bool fifo, IReadOnlyDictionary<string, string> given)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [QueueAttributeNames.VisibilityTimeout] = DefaultVisibilityTimeout.ToString(CultureInfo.InvariantCulture),
            [QueueAttributeNames.MaximumMessageSize] = DefaultMaximumMessageSize.ToString(CultureInfo.InvariantCulture),
            [QueueAttributeNames.MessageRetentionPeriod] = DefaultRetentionSeconds.ToString(CultureInfo.InvariantCulture),
            [QueueAttributeNames.DelaySeconds] = "0",
            [QueueAttributeNames.ReceiveMessageWaitTimeSeconds] = "0",
            [QueueAttributeNames.SqsManagedSseEnabled] = "true",
        };
        if (fifo)
        {
            values[QueueAttributeNames.FifoQueue] = "true";
            values[QueueAttributeNames.ContentBasedDeduplication] = "false";
            values[QueueAttributeNames.DeduplicationScope] = "queue";
            values[QueueAttributeNames.FifoThroughputLimit] = "perQueue";
        }
        return Apply(values, given, fifo, creating: true);
    }

    /// <summary>These settings with <paramref name="changes"/> applied (SetQueueAttributes), validated.</summary>
    public QueueSettings With(IReadOnlyDictionary<string, string> changes) =>
        Apply(new Dictionary<string, string>(Values, StringComparer.Ordinal), changes, Fifo, creating: false);

    /// <summary>The settings as stored by the catalog (no validation: they were validated when set).</summary>
    public static QueueSettings Restore(IReadOnlyDictionary<string, string> values) =>
        new(values) { Redrive = ParseRedrive(values.GetValueOrDefault(QueueAttributeNames.RedrivePolicy)) };

    private static QueueSettings Apply(Dictionary<string, string> values, IReadOnlyDictionary<string, string> changes, bool fifo, bool creating)
    {
        foreach (var (name, value) in changes)
        {
            if (!QueueAttributeNames.Settable.Contains(name)) throw SqsErrors.InvalidAttributeName(name);
            if (QueueAttributeNames.FifoOnly.Contains(name) && !fifo) throw SqsErrors.InvalidAttributeName(name);
            switch (name)
            {
                case QueueAttributeNames.VisibilityTimeout: Range(name, value, 0, 43_200); break;
                case QueueAttributeNames.MaximumMessageSize: Range(name, value, 1024, DefaultMaximumMessageSize); break;
                case QueueAttributeNames.MessageRetentionPeriod: Range(name, value, 60, 1_209_600); break;
                case QueueAttributeNames.DelaySeconds: Range(name, value, 0, 900); break;
                case QueueAttributeNames.ReceiveMessageWaitTimeSeconds: Range(name, value, 0, 20); break;
                case QueueAttributeNames.KmsDataKeyReusePeriodSeconds: Range(name, value, 60, 86_400); break;
                case QueueAttributeNames.FifoQueue:
                    // Only at creation, and only to say what the name already says.
                    if (!creating || (value == "true") != fifo)
                        throw SqsErrors.InvalidAttributeValue(creating
                            ? "Invalid value for the parameter FifoQueue. Reason: The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix."
                            : "Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.");
                    break;
                case QueueAttributeNames.ContentBasedDeduplication:
                case QueueAttributeNames.SqsManagedSseEnabled:
                    if (value is not ("true" or "false")) throw InvalidValue(name, value);
                    break;
                case QueueAttributeNames.DeduplicationScope:
                    if (value is not ("queue" or "messageGroup")) throw InvalidValue(name, value);
                    break;
                case QueueAttributeNames.FifoThroughputLimit:
                    if (value is not ("perQueue" or "perMessageGroupId")) throw InvalidValue(name, value);
                    break;
                case QueueAttributeNames.RedrivePolicy:
                    if (value.Length > 0) _ = ParseRedrive(value) ?? throw InvalidValue(name, value);
                    break;
                case QueueAttributeNames.RedriveAllowPolicy:
                    if (value.Length > 0) RedriveRules.CheckAllowPolicy(value);
                    break;
                case QueueAttributeNames.Policy:
                    if (value.Length > 0 && !IsJsonObject(value)) throw InvalidValue(name, value);
                    break;
            }
            if (value.Length == 0 && name is QueueAttributeNames.RedrivePolicy or QueueAttributeNames.RedriveAllowPolicy or QueueAttributeNames.Policy or QueueAttributeNames.KmsMasterKeyId)
                values.Remove(name);
            else
                values[name] = value;
        }
        if (values.TryGetValue(QueueAttributeNames.FifoThroughputLimit, out var limit) && limit == "perMessageGroupId" &&
            values.GetValueOrDefault(QueueAttributeNames.DeduplicationScope) != "messageGroup")
            throw SqsErrors.InvalidAttributeValue("Invalid value for the parameter FifoThroughputLimit. Reason: perMessageGroupId is allowed only when DeduplicationScope is messageGroup.");
        return new QueueSettings(values) { Redrive = ParseRedrive(values.GetValueOrDefault(QueueAttributeNames.RedrivePolicy)) };
    }

    private static void Range(string name, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < min || number > max)
            throw SqsErrors.InvalidAttributeValue($"Invalid value for the parameter {name}. Reason: must be between {min} and {max}.");
    }

    private static SqsException InvalidValue(string name, string value) =>
        SqsErrors.InvalidAttributeValue($"Invalid value for the parameter {name}. Value: {value}");

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// {"deadLetterTargetArn": "...", "maxReceiveCount": 1..1000}; the count may be a number or a
    /// string, as the console and SDKs send either. Null when absent or invalid.
    /// </summary>
    private static (string, int)? ParseRedrive(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) return null;
            if (!root.TryGetProperty("deadLetterTargetArn", out var arn) || arn.ValueKind != JsonValueKind.String) return null;
            if (!root.TryGetProperty("maxReceiveCount", out var countElement)) return null;
            int count = countElement.ValueKind switch
            {
                JsonValueKind.Number when countElement.TryGetInt32(out int n) => n,
                JsonValueKind.String when int.TryParse(countElement.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) => n,
                _ => 0,
            };
            return count is >= 1 and <= 1000 ? (arn.GetString()!, count) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
