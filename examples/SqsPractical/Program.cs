using Tidings.Examples.SqsPractical;

// Usage: dotnet run --project examples/SqsPractical -- [endpoint] publish [client] | receive | demo
// Against `tidings serve` (SQS API on 9324) or any SQS: `publish` sends "message 1".."message 100"
// as one client to both queues (re-sending a few), `receive` prints and deletes until Ctrl+C,
// `demo` does both with two clients and prints what each queue delivered.
string endpoint = args.Length > 0 ? args[0] : "http://127.0.0.1:9324";
string mode = args.Length > 1 ? args[1] : "demo";
using var sqs = SqsClientFactory.Create(endpoint);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

switch (mode)
{
    case "publish":
    {
        var queues = await PracticalQueues.CreateAsync(sqs, stop.Token);
        var publisher = new Publisher(sqs, args.Length > 2 ? args[2] : "alice");
        foreach (string url in new[] { queues.StandardUrl, queues.FifoUrl })
        {
            var result = await publisher.PublishAsync(url, Demo.Count, Publisher.DefaultResends, stop.Token);
            Console.WriteLine($"{publisher.Client}: {result.Sends} sends to {url}");
            foreach (var resend in result.Resends)
                Console.WriteLine($"  message {resend.Number} sent twice: ids {resend.FirstMessageId} and {resend.SecondMessageId}" +
                    (resend.FirstMessageId == resend.SecondMessageId ? " (the queue de-duplicated it)" : ""));
        }
        break;
    }
    case "receive":
    {
        var queues = await PracticalQueues.CreateAsync(sqs, stop.Token);
        Console.WriteLine("receiving; Ctrl+C to stop");
        var receiver = new Receiver(sqs, Console.Out);
        var received = await Task.WhenAll(
            receiver.ReceiveAsync(queues.StandardUrl, cancellationToken: stop.Token),
            receiver.ReceiveAsync(queues.FifoUrl, cancellationToken: stop.Token));
        Console.WriteLine($"{received[0].Count} from {PracticalQueues.StandardName}, {received[1].Count} from {PracticalQueues.FifoName}");
        break;
    }
    case "demo":
    {
        var result = await Demo.RunAsync(sqs, Console.Out, stop.Token);
        Console.WriteLine();
        Console.WriteLine(result.Standard);
        Console.WriteLine(result.Fifo);
        break;
    }
    default:
        Console.Error.WriteLine($"unknown mode '{mode}': publish [client], receive or demo");
        return 2;
}
return 0;
