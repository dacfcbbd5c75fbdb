using System.Text.RegularExpressions;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;

namespace Tidings.Server.Tests;

/// <summary>
/// The SQS promise under SIGKILL: every SendMessage answered 200 is on disk, so after `kill -9`
/// and a restart each message is there, with its attributes, and the queues keep theirs.
/// </summary>
public sealed partial class SqsKillNineTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [GeneratedRegex(@"http://127\.0\.0\.1:(\d+) \(SQS API\)")]
    private static partial Regex SqsAddress();

    private async Task<(ServerProcess Server, AmazonSQSClient Sqs)> StartAsync()
    {
        var server = ServerProcess.Start(_directory.Path, "serve", "--http-port", "0", "--amqp-port", "0", "--mqtt-port", "0",
            "--sqs-port", "0", "--data-dir", _directory.Combine("data"));
        var line = await server.WaitForMessageAsync("(SQS API)", TimeSpan.FromSeconds(30));
        var sqs = new AmazonSQSClient(new BasicAWSCredentials("test", "test"), new AmazonSQSConfig
        {
            ServiceURL = $"http://127.0.0.1:{SqsAddress().Match(line).Groups[1].Value}",
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
        });
        return (server, sqs);
    }

    [UnixFact]
    public async Task Messages_answered_200_survive_kill_9_with_attributes_and_queue_settings()
    {
        var (first, sqs) = await StartAsync();
        using (first)
        using (sqs)
        {
            var url = (await sqs.CreateQueueAsync(new CreateQueueRequest("k9") { Attributes = new() { ["VisibilityTimeout"] = "7" } })).QueueUrl;
            var fifo = (await sqs.CreateQueueAsync(new CreateQueueRequest("k9.fifo")
            {
                Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = "true" },
            })).QueueUrl;
            for (int i = 0; i < 30; i++)
            {
                await sqs.SendMessageAsync(new SendMessageRequest(url, $"report {i}")
                {
                    MessageAttributes = new() { ["n"] = new MessageAttributeValue { DataType = "Number", StringValue = $"{i}" } },
                });
            }
            await sqs.SendMessageBatchAsync(fifo, [.. Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry($"e{i}", $"step {i}") { MessageGroupId = "g" })]);
            first.KillHard();
            await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        var (second, sqsAgain) = await StartAsync();
        using (second)
        using (sqsAgain)
        {
            var url = (await sqsAgain.GetQueueUrlAsync("k9")).QueueUrl;
            Assert.Equal("7", (await sqsAgain.GetQueueAttributesAsync(url, ["VisibilityTimeout"])).Attributes["VisibilityTimeout"]);
            var bodies = new List<string>();
            for (int round = 0; round < 20 && bodies.Count < 30; round++)
            {
                var batch = await sqsAgain.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1, MessageAttributeNames = ["All"] });
                foreach (var m in batch.Messages ?? [])
                {
                    Assert.Equal(m.Body, $"report {m.MessageAttributes["n"].StringValue}");
                    bodies.Add(m.Body);
                    await sqsAgain.DeleteMessageAsync(url, m.ReceiptHandle);
                }
            }
            Assert.Equal(Enumerable.Range(0, 30).Select(i => $"report {i}").Order(), bodies.Order());

            var fifo = (await sqsAgain.GetQueueUrlAsync("k9.fifo")).QueueUrl;
            Assert.Equal("true", (await sqsAgain.GetQueueAttributesAsync(fifo, ["FifoQueue"])).Attributes["FifoQueue"]);
            var steps = await sqsAgain.ReceiveMessageAsync(new ReceiveMessageRequest(fifo) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 });
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"step {i}"), steps.Messages.Select(m => m.Body));
            second.SendSigterm();
            await second.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
    }
}
