namespace Tidings.Sqs.Messages;

/// <summary>
/// Header names under which an SQS message keeps what SQS says about it beside its attributes.
/// They are ordinary headers of the core message, so the store keeps them and an AMQP consumer
/// sees them; a header with one of these names is never shown as a message attribute.
/// </summary>
public static class SqsHeaders
{
    /// <summary>The FIFO message group; the core's grouped queues read this name.</summary>
    public const string MessageGroupId = "x-message-group-id";
    public const string DeduplicationId = "x-sqs-deduplication-id";
    public const string SequenceNumber = "x-sqs-sequence-number";
    public const string SenderId = "x-sqs-sender-id";
    /// <summary>The AWSTraceHeader message system attribute (X-Ray).</summary>
    public const string TraceHeader = "x-sqs-trace-header";
    /// <summary>The queue a redrive moved the message from (DeadLetterQueueSourceArn).</summary>
    public const string DeadLetterSourceArn = "x-sqs-dead-letter-source-arn";
    /// <summary>Set when the body is given base64-encoded because it is not text SQS can carry.</summary>
    public const string BodyEncoding = "tidings-body-encoding";

    /// <summary>Headers that are not message attributes: SQS's own, and the broker's (x-death, x-first-death-*, ...).</summary>
    public static bool IsSystem(string name) =>
        name.StartsWith("x-sqs-", StringComparison.Ordinal) ||
        name == MessageGroupId ||
        name.StartsWith("x-death", StringComparison.Ordinal) ||
        name.StartsWith("x-first-death-", StringComparison.Ordinal) ||
        name.StartsWith("x-last-death-", StringComparison.Ordinal) ||
        name == "x-correlation-id" ||
        name == "x-delivery-count";
}
