using Amazon.SQS;

namespace Tidings.Examples.SqsPractical;

/// <summary>What the demo saw on each queue.</summary>
public sealed record DemoResult(
    DeliverySummary Standard, DeliverySummary Fifo,
    IReadOnlyList<ReceivedMessage> StandardDeliveries, IReadOnlyList<ReceivedMessage> FifoDeliveries,
    IReadOnlyList<PublishResult> Published);

/// <summary>
/// The whole practical in one run: two publishers send the same numbered messages, re-sends
/// included, to a standard and a FIFO queue while two receivers drain them.
/// </summary>
public static class Demo
{
    public static readonly IReadOnlyList<string> Clients = ["alice", "bob"];
    public const int Count = 100;

    public static async Task<DemoResult> RunAsync(IAmazonSQS sqs, TextWriter output, CancellationToken cancellationToken = default)
    {
        var queues = await PracticalQueues.CreateAsync(sqs, cancellationToken);
        // Messages left by an earlier `publish` would muddle the counts. (PurgeQueue would do, but
        // AWS allows one per queue per minute, which a second demo run would hit.)
        var drain = new Receiver(sqs, TextWriter.Null, waitTimeSeconds: 1);
        int left = (await drain.ReceiveAsync(queues.StandardUrl, stopWhenIdle: true, cancellationToken: cancellationToken)).Count
            + (await drain.ReceiveAsync(queues.FifoUrl, stopWhenIdle: true, cancellationToken: cancellationToken)).Count;
        if (left > 0) output.WriteLine($"cleared {left} messages left from earlier runs");

        // Every send is a delivery on the standard queue, so its receiver can stop at that count.
        // The FIFO receiver gets fewer and stops after a 20 s poll that brought nothing: that
        // silence is what shows the re-sent copies are not coming.
        int sends = Clients.Count * (Count + Publisher.DefaultResends.Count);
        var receiver = new Receiver(sqs, output);
        var standard = receiver.ReceiveAsync(queues.StandardUrl, stopAfter: sends, stopWhenIdle: true, cancellationToken: cancellationToken);
        var fifo = receiver.ReceiveAsync(queues.FifoUrl, stopAfter: sends, stopWhenIdle: true, cancellationToken: cancellationToken);

        var publishing = new List<Task<PublishResult>>();
        foreach (string client in Clients)
        {
            var publisher = new Publisher(sqs, client);
            publishing.Add(publisher.PublishAsync(queues.StandardUrl, Count, Publisher.DefaultResends, cancellationToken));
            publishing.Add(publisher.PublishAsync(queues.FifoUrl, Count, Publisher.DefaultResends, cancellationToken));
        }
        var published = await Task.WhenAll(publishing);
        var standardDeliveries = await standard;
        var fifoDeliveries = await fifo;

        return new DemoResult(
            DeliverySummary.From(PracticalQueues.StandardName, standardDeliveries, [.. Clients], Count),
            DeliverySummary.From(PracticalQueues.FifoName, fifoDeliveries, [.. Clients], Count),
            standardDeliveries, fifoDeliveries, published);
    }
}
