using Amazon.SQS;
using Amazon.SQS.Model;

namespace Tidings.Examples.SqsPractical;

/// <summary>The practical's two queues, so the student can compare what each delivers for the same sends.</summary>
public sealed record PracticalQueues(string StandardUrl, string FifoUrl)
{
    public const string StandardName = "practical-standard";
    // A FIFO queue's name must end in ".fifo".
    public const string FifoName = "practical-orders.fifo";

    /// <summary>Creates both queues, or finds them: CreateQueue with the same attributes is idempotent.</summary>
    public static async Task<PracticalQueues> CreateAsync(IAmazonSQS sqs, CancellationToken cancellationToken = default)
    {
        var standard = await sqs.CreateQueueAsync(new CreateQueueRequest(StandardName), cancellationToken);
        var fifo = await sqs.CreateQueueAsync(new CreateQueueRequest(FifoName)
        {
            // Content-based de-duplication stays off: it hashes only the body, so alice's and bob's
            // "message 1" would count as one message. The publisher sends explicit ids instead.
            Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "false" },
        }, cancellationToken);
        return new PracticalQueues(standard.QueueUrl, fifo.QueueUrl);
    }
}
