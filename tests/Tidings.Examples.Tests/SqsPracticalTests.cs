using Amazon.SQS;
using Microsoft.AspNetCore.Builder;
using Tidings.Examples.SqsPractical;
using Tidings.Server.Hosting;

namespace Tidings.Examples.Tests;

/// <summary>
/// The SQS course practical against `tidings serve` through the unmodified AWS SDK: the same
/// numbered sends, re-sends included, to a standard and a FIFO queue, and what each delivers.
/// </summary>
public sealed class SqsPracticalTests : IAsyncLifetime
{
    private readonly TempDirectory _data = new("tidings-sqs-practical");
    private WebApplication _app = null!;
    private AmazonSQSClient _sqs = null!;

    public async Task InitializeAsync()
    {
        _app = TidingsHost.Build(["--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0", "--sqs-port", "0",
            "--data-dir", _data.Path, "--log-level", "warning"]);
        await _app.StartAsync();
        _sqs = SqsClientFactory.Create($"http://{_app.GetListenerEndpoint("sqs")}");
    }

    public async Task DisposeAsync()
    {
        _sqs.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _data.Dispose();
    }

    [Fact]
    public async Task Fifo_delivers_each_clients_messages_once_in_order_while_standard_delivers_the_resent_copies_too()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var output = new StringWriter();
        var result = await Demo.RunAsync(_sqs, output, timeout.Token);
        var sent = Enumerable.Range(1, Demo.Count).ToList();
        int resends = Publisher.DefaultResends.Count;

        // FIFO: exactly once and in send order per client; the re-sends were answered with the
        // first copy's id and never delivered.
        Assert.Equal(Demo.Clients.Count * Demo.Count, result.Fifo.Received);
        Assert.Equal(0, result.Fifo.Duplicates);
        Assert.Equal(0, result.Fifo.Missing);
        foreach (string client in Demo.Clients)
            Assert.Equal(sent, result.FifoDeliveries.Where(m => m.Client == client).Select(m => m.Number));
        var fifoResends = result.Published.Where(p => p.QueueUrl.EndsWith(".fifo", StringComparison.Ordinal)).SelectMany(p => p.Resends).ToList();
        Assert.Equal(Demo.Clients.Count * resends, fifoResends.Count);
        Assert.All(fifoResends, r => Assert.Equal(r.FirstMessageId, r.SecondMessageId));

        // Standard: at least once, so every send is a delivery, the re-sent copies included, each
        // with its own id. Order is best effort there and not asserted.
        Assert.Equal(Demo.Clients.Count * (Demo.Count + resends), result.Standard.Received);
        Assert.Equal(Demo.Clients.Count * resends, result.Standard.Duplicates);
        Assert.Equal(0, result.Standard.Missing);
        foreach (string client in Demo.Clients)
        {
            var numbers = result.StandardDeliveries.Where(m => m.Client == client).Select(m => m.Number).ToList();
            Assert.Equal(sent, numbers.Distinct().Order());
            Assert.All(Publisher.DefaultResends, n => Assert.Equal(2, numbers.Count(x => x == n)));
        }
        Assert.Equal(Demo.Clients.Count * (Demo.Count + resends), result.StandardDeliveries.Select(m => m.MessageId).Distinct().Count());

        // Every delivery was deleted: nothing waits and nothing is in flight on either queue.
        var queues = await PracticalQueues.CreateAsync(_sqs, timeout.Token);
        foreach (string url in new[] { queues.StandardUrl, queues.FifoUrl })
        {
            var attributes = await _sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"], timeout.Token);
            Assert.Equal(0, attributes.ApproximateNumberOfMessages);
            Assert.Equal(0, attributes.ApproximateNumberOfMessagesNotVisible);
        }
        Assert.Contains("[practical-orders.fifo] alice: message 100", output.ToString(), StringComparison.Ordinal);
    }
}
