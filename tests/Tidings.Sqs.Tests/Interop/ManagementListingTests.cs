using System.Text.Json;
using Amazon.SQS.Model;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>SQS queues are broker queues, so the management API (and the dashboard built on it) lists them with their counts.</summary>
public sealed class ManagementListingTests
{
    [Fact]
    public async Task An_SQS_queue_is_listed_by_the_management_API_with_its_messages()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync(withHttp: true);
        using var sqs = SqsClients.For(server);
        var url = (await sqs.CreateQueueAsync(new CreateQueueRequest("listed.fifo") { Attributes = new() { ["FifoQueue"] = "true" } })).QueueUrl;
        await sqs.SendMessageAsync(new SendMessageRequest(url, "one") { MessageGroupId = "g", MessageDeduplicationId = "1" });
        await sqs.SendMessageAsync(new SendMessageRequest(url, "two") { MessageGroupId = "g", MessageDeduplicationId = "2" });

        using var http = server.Client();
        using var queue = JsonDocument.Parse(await http.GetStringAsync("api/queues/%2F/listed.fifo"));
        Assert.True(queue.RootElement.GetProperty("durable").GetBoolean());
        Assert.Equal(2, queue.RootElement.GetProperty("messages_ready").GetInt32());
        Assert.True(queue.RootElement.GetProperty("arguments").GetProperty("x-message-groups").GetBoolean());
    }
}
