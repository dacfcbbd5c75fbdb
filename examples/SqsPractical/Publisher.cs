using Amazon.SQS;
using Amazon.SQS.Model;

namespace Tidings.Examples.SqsPractical;

/// <summary>What one publisher did on one queue: how many SendMessage calls, and what each re-send was answered.</summary>
public sealed record PublishResult(string Client, string QueueUrl, int Sends, IReadOnlyList<Resend> Resends);

/// <summary>A message sent twice: on a FIFO queue the second answer carries the first copy's message id.</summary>
public sealed record Resend(int Number, string FirstMessageId, string SecondMessageId);

/// <summary>
/// Sends "message 1".."message N" tagged with its client name, and sends a few of them twice, as a
/// publisher does when a send timed out and it cannot tell whether the first one arrived.
/// </summary>
public sealed class Publisher(IAmazonSQS sqs, string client)
{
    public const string ClientAttribute = "client";

    /// <summary>The numbers re-sent by default: a few, spread over the run.</summary>
    public static readonly IReadOnlySet<int> DefaultResends = new HashSet<int> { 7, 33, 50, 68, 100 };

    // A new run sends new messages, so its de-duplication ids must not match the last run's
    // (the FIFO queue remembers ids for five minutes); a re-send within the run reuses its id.
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    public string Client => client;

    public async Task<PublishResult> PublishAsync(string queueUrl, int count, IReadOnlySet<int> resends, CancellationToken cancellationToken = default)
    {
        bool fifo = queueUrl.EndsWith(".fifo", StringComparison.Ordinal);
        int sends = 0;
        var resent = new List<Resend>();
        for (int number = 1; number <= count; number++)
        {
            // One request object for the send and its retry: a retry is the same message again.
            var request = Request(queueUrl, number, fifo);
            string first = (await sqs.SendMessageAsync(request, cancellationToken)).MessageId;
            sends++;
            if (!resends.Contains(number)) continue;
            string second = (await sqs.SendMessageAsync(request, cancellationToken)).MessageId;
            sends++;
            resent.Add(new Resend(number, first, second));
        }
        return new PublishResult(client, queueUrl, sends, resent);
    }

    private SendMessageRequest Request(string queueUrl, int number, bool fifo)
    {
        var request = new SendMessageRequest(queueUrl, NumberedMessage.Body(number))
        {
            MessageAttributes = new()
            {
                [ClientAttribute] = new MessageAttributeValue { DataType = "String", StringValue = client },
            },
        };
        if (fifo)
        {
            // Order is kept per group: one group per client keeps each client's messages in send
            // order without making one client wait for another's.
            request.MessageGroupId = client;
            request.MessageDeduplicationId = $"{client}-{_run}-{number}";
        }
        return request;
    }
}
