using Amazon.SQS;
using Amazon.SQS.Model;

namespace Tidings.Examples.SqsPractical;

/// <summary>
/// Long-polls a queue, prints each message and deletes it. Deleting is the acknowledgement: a
/// message received but not deleted comes back once its visibility timeout is over.
/// </summary>
public sealed class Receiver(IAmazonSQS sqs, TextWriter output, int waitTimeSeconds = 20)
{
    /// <summary>
    /// Receives until cancelled, until <paramref name="stopAfter"/> deliveries, or — with
    /// <paramref name="stopWhenIdle"/> — until a whole long poll brought nothing.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedMessage>> ReceiveAsync(string queueUrl, int? stopAfter = null, bool stopWhenIdle = false,
        CancellationToken cancellationToken = default)
    {
        string queue = queueUrl[(queueUrl.LastIndexOf('/') + 1)..];
        var received = new List<ReceivedMessage>();
        var request = new ReceiveMessageRequest(queueUrl)
        {
            // Long polling: the call waits up to 20 s for a message instead of returning empty
            // at once, so an idle receiver costs one request per 20 s, not a busy loop.
            WaitTimeSeconds = waitTimeSeconds,
            MaxNumberOfMessages = 10,
            MessageAttributeNames = [Publisher.ClientAttribute],
            MessageSystemAttributeNames = ["SequenceNumber"],
        };
        try
        {
            while (stopAfter is not { } limit || received.Count < limit)
            {
                var response = await sqs.ReceiveMessageAsync(request, cancellationToken);
                // SDK v4 gives null rather than an empty list when nothing came.
                if (response.Messages is not { Count: > 0 } messages)
                {
                    if (stopWhenIdle) break;
                    continue;
                }
                foreach (var message in messages)
                {
                    var delivery = ToDelivery(queue, message);
                    output.WriteLine(delivery);
                    received.Add(delivery);
                    await sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: what was received so far is the answer.
        }
        return received;
    }

    private static ReceivedMessage ToDelivery(string queue, Message message)
    {
        string client = message.MessageAttributes?.GetValueOrDefault(Publisher.ClientAttribute)?.StringValue ?? "?";
        string? sequence = message.Attributes?.GetValueOrDefault("SequenceNumber");
        return new ReceivedMessage(queue, client, NumberedMessage.NumberOf(message.Body) ?? 0, message.MessageId, sequence);
    }
}
