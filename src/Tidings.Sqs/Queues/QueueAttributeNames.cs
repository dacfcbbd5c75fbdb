namespace Tidings.Sqs.Queues;

/// <summary>The queue attribute names of the SQS API, and which of them a client may set.</summary>
public static class QueueAttributeNames
{
    public const string All = "All";
    public const string Policy = "Policy";
    public const string VisibilityTimeout = "VisibilityTimeout";
    public const string MaximumMessageSize = "MaximumMessageSize";
    public const string MessageRetentionPeriod = "MessageRetentionPeriod";
    public const string ApproximateNumberOfMessages = "ApproximateNumberOfMessages";
    public const string ApproximateNumberOfMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible";
    public const string ApproximateNumberOfMessagesDelayed = "ApproximateNumberOfMessagesDelayed";
    public const string CreatedTimestamp = "CreatedTimestamp";
    public const string LastModifiedTimestamp = "LastModifiedTimestamp";
    public const string QueueArn = "QueueArn";
    public const string DelaySeconds = "DelaySeconds";
    public const string ReceiveMessageWaitTimeSeconds = "ReceiveMessageWaitTimeSeconds";
    public const string RedrivePolicy = "RedrivePolicy";
    public const string RedriveAllowPolicy = "RedriveAllowPolicy";
    public const string FifoQueue = "FifoQueue";
    public const string ContentBasedDeduplication = "ContentBasedDeduplication";
    public const string KmsMasterKeyId = "KmsMasterKeyId";
    public const string KmsDataKeyReusePeriodSeconds = "KmsDataKeyReusePeriodSeconds";
    public const string DeduplicationScope = "DeduplicationScope";
    public const string FifoThroughputLimit = "FifoThroughputLimit";
    public const string SqsManagedSseEnabled = "SqsManagedSseEnabled";

    /// <summary>What CreateQueue and SetQueueAttributes accept (FifoQueue only at creation).</summary>
    public static readonly HashSet<string> Settable = new(StringComparer.Ordinal)
    {
        Policy, VisibilityTimeout, MaximumMessageSize, MessageRetentionPeriod, DelaySeconds,
        ReceiveMessageWaitTimeSeconds, RedrivePolicy, RedriveAllowPolicy, FifoQueue, ContentBasedDeduplication,
        KmsMasterKeyId, KmsDataKeyReusePeriodSeconds, DeduplicationScope, FifoThroughputLimit, SqsManagedSseEnabled,
    };

    /// <summary>Only for FIFO queues.</summary>
    public static readonly HashSet<string> FifoOnly = new(StringComparer.Ordinal)
    {
        ContentBasedDeduplication, DeduplicationScope, FifoThroughputLimit,
    };

    /// <summary>Every name GetQueueAttributes knows, in the order "All" lists them.</summary>
    public static readonly string[] Readable =
    [
        Policy, VisibilityTimeout, MaximumMessageSize, MessageRetentionPeriod, ApproximateNumberOfMessages,
        ApproximateNumberOfMessagesNotVisible, ApproximateNumberOfMessagesDelayed, CreatedTimestamp,
        LastModifiedTimestamp, QueueArn, DelaySeconds, ReceiveMessageWaitTimeSeconds, RedrivePolicy,
        RedriveAllowPolicy, FifoQueue, ContentBasedDeduplication, KmsMasterKeyId, KmsDataKeyReusePeriodSeconds,
        DeduplicationScope, FifoThroughputLimit, SqsManagedSseEnabled,
    ];

    public static bool IsReadable(string name) => Array.IndexOf(Readable, name) >= 0;
}
