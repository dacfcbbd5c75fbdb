using Amazon.SQS;
using Amazon.SQS.Model;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>SQS queues are durable broker queues: a restart on the same data directory keeps messages, attributes, tags and permissions.</summary>
public sealed class RestartTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Queues_their_settings_and_their_messages_survive_a_restart()
    {
        await using (var server = await TestBrokerServer.StartDurableAsync(_directory.Path, withMqtt: false, withSqs: true))
        {
            using var sqs = SqsClients.For(server);
            var url = (await sqs.CreateQueueAsync(new CreateQueueRequest("kept")
            {
                Attributes = new() { ["VisibilityTimeout"] = "9", ["DelaySeconds"] = "0" },
                Tags = new() { ["team"] = "alerts" },
            })).QueueUrl;
            await sqs.AddPermissionAsync(new AddPermissionRequest { QueueUrl = url, Label = "p", AWSAccountIds = ["111122223333"], Actions = ["ReceiveMessage"] });
            await sqs.SendMessageAsync(new SendMessageRequest(url, "survivor")
            {
                MessageAttributes = new() { ["client"] = new MessageAttributeValue { DataType = "String.name", StringValue = "carol" } },
            });
        }

        await using (var server = await TestBrokerServer.StartDurableAsync(_directory.Path, withMqtt: false, withSqs: true))
        {
            using var sqs = SqsClients.For(server);
            var url = (await sqs.GetQueueUrlAsync("kept")).QueueUrl;
            var attributes = (await sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
            Assert.Equal("9", attributes["VisibilityTimeout"]);
            Assert.Contains("111122223333", attributes["Policy"]);
            Assert.Equal("alerts", (await sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url })).Tags["team"]);
            var message = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { WaitTimeSeconds = 5, MessageAttributeNames = ["All"] })).Messages);
            Assert.Equal("survivor", message.Body);
            Assert.Equal("String.name", message.MessageAttributes["client"].DataType);
            Assert.Equal("carol", message.MessageAttributes["client"].StringValue);
        }
    }
}
