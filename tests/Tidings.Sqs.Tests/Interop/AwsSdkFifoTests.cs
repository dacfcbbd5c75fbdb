using Amazon.SQS;
using Amazon.SQS.Model;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>FIFO queues through AWSSDK.SQS: order per group, group blocking, de-duplication, sequence numbers, receive attempts.</summary>
public sealed class AwsSdkFifoTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;
    private AmazonSQSClient _sqs = null!;

    public async Task InitializeAsync()
    {
        _server = await TestBrokerServer.StartWithSqsAsync();
        _sqs = SqsClients.For(_server);
    }

    public async Task DisposeAsync()
    {
        _sqs.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<string> Fifo(string name, bool contentBased = true) =>
        (await _sqs.CreateQueueAsync(new CreateQueueRequest(name)
        {
            Attributes = new() { ["FifoQueue"] = "true", ["ContentBasedDeduplication"] = contentBased ? "true" : "false" },
        })).QueueUrl;

    private async Task<List<Message>> ReceiveAll(string url, int expected, int visibility = 30)
    {
        var all = new List<Message>();
        for (int round = 0; round < 50 && all.Count < expected; round++)
        {
            var batch = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url)
            {
                MaxNumberOfMessages = 10,
                VisibilityTimeout = visibility,
                WaitTimeSeconds = 1,
                MessageSystemAttributeNames = ["All"],
            });
            foreach (var m in batch.Messages ?? [])
            {
                all.Add(m);
                await _sqs.DeleteMessageAsync(url, m.ReceiptHandle);
            }
        }
        return all;
    }

    [Fact]
    public async Task Messages_of_each_group_arrive_in_send_order_with_increasing_sequence_numbers()
    {
        var url = await Fifo("orders.fifo");
        var sequences = new List<string>();
        for (int i = 0; i < 20; i++)
        {
            var sent = await _sqs.SendMessageAsync(new SendMessageRequest(url, $"{(i % 2 == 0 ? "a" : "b")}-{i}") { MessageGroupId = i % 2 == 0 ? "a" : "b" });
            sequences.Add(sent.SequenceNumber);
        }
        Assert.Equal(sequences.Order(StringComparer.Ordinal), sequences);
        Assert.All(sequences, s => Assert.Equal(20, s.Length));

        var received = await ReceiveAll(url, 20);
        Assert.Equal(20, received.Count);
        foreach (var group in new[] { "a", "b" })
        {
            var bodies = received.Where(m => m.Attributes["MessageGroupId"] == group).Select(m => m.Body).ToList();
            Assert.Equal(Enumerable.Range(0, 20).Where(i => (i % 2 == 0) == (group == "a")).Select(i => $"{group}-{i}"), bodies);
        }
        Assert.All(received, m => Assert.True(m.Attributes.ContainsKey("SequenceNumber") && m.Attributes.ContainsKey("MessageDeduplicationId")));
    }

    [Fact]
    public async Task A_group_with_a_message_in_flight_delivers_nothing_else_while_other_groups_flow()
    {
        var url = await Fifo("blocking.fifo");
        await _sqs.SendMessageAsync(new SendMessageRequest(url, "a1") { MessageGroupId = "a" });
        await _sqs.SendMessageAsync(new SendMessageRequest(url, "a2") { MessageGroupId = "a" });
        await _sqs.SendMessageAsync(new SendMessageRequest(url, "b1") { MessageGroupId = "b" });

        var first = Assert.Single((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 1 })).Messages);
        Assert.Equal("a1", first.Body);
        // a1 is in flight: a2 waits, b1 flows.
        var next = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10 });
        Assert.Equal(["b1"], next.Messages.Select(m => m.Body));
        Assert.Empty((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10 })).Messages ?? []);

        await _sqs.DeleteMessageAsync(url, first.ReceiptHandle);
        var after = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10 });
        Assert.Equal(["a2"], after.Messages.Select(m => m.Body));
    }

    [Fact]
    public async Task A_message_that_returns_by_visibility_timeout_comes_first_in_its_group_again()
    {
        var url = await Fifo("returns.fifo");
        await _sqs.SendMessageAsync(new SendMessageRequest(url, "first") { MessageGroupId = "g" });
        await _sqs.SendMessageAsync(new SendMessageRequest(url, "second") { MessageGroupId = "g" });
        var taken = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 1, VisibilityTimeout = 1 });
        Assert.Equal("first", Assert.Single(taken.Messages).Body);
        var again = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10, WaitTimeSeconds = 5 });
        Assert.Equal("first", again.Messages[0].Body);
    }

    [Fact]
    public async Task A_duplicate_within_five_minutes_is_accepted_but_not_delivered_even_after_the_first_copy_was_deleted()
    {
        var url = await Fifo("dedup.fifo");
        var one = await _sqs.SendMessageAsync(new SendMessageRequest(url, "same body") { MessageGroupId = "g" });
        var copy = Assert.Single(await ReceiveAll(url, 1));
        Assert.Equal(one.MessageId, copy.MessageId);

        // Deleted already; the window still holds.
        var two = await _sqs.SendMessageAsync(new SendMessageRequest(url, "same body") { MessageGroupId = "g" });
        Assert.Equal(one.MessageId, two.MessageId);
        Assert.Equal(one.SequenceNumber, two.SequenceNumber);
        var explicitOne = await _sqs.SendMessageAsync(new SendMessageRequest(url, "other") { MessageGroupId = "g", MessageDeduplicationId = "id-1" });
        var explicitTwo = await _sqs.SendMessageAsync(new SendMessageRequest(url, "different body, same id") { MessageGroupId = "g", MessageDeduplicationId = "id-1" });
        Assert.Equal(explicitOne.MessageId, explicitTwo.MessageId);
        Assert.Equal(["other"], (await ReceiveAll(url, 1)).Select(m => m.Body));
        Assert.Empty((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { WaitTimeSeconds = 1 })).Messages ?? []);
    }

    [Fact]
    public async Task FIFO_sends_need_a_group_and_a_deduplication_id_or_content_based_deduplication()
    {
        var url = await Fifo("rules.fifo", contentBased: false);
        var noGroup = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SendMessageAsync(url, "x"));
        Assert.Equal("MissingParameter", noGroup.ErrorCode);
        var noDedup = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SendMessageAsync(new SendMessageRequest(url, "x") { MessageGroupId = "g" }));
        Assert.Equal("InvalidParameterValue", noDedup.ErrorCode);
        var delay = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SendMessageAsync(new SendMessageRequest(url, "x")
        {
            MessageGroupId = "g",
            MessageDeduplicationId = "d",
            DelaySeconds = 5,
        }));
        Assert.Equal("InvalidParameterValue", delay.ErrorCode);
        await Assert.ThrowsAsync<InvalidAttributeNameException>(() =>
            _sqs.CreateQueueAsync(new CreateQueueRequest("plain") { Attributes = new() { ["ContentBasedDeduplication"] = "true" } }));
    }

    [Fact]
    public async Task A_retried_receive_with_the_same_attempt_id_gets_the_same_messages_and_handles()
    {
        var url = await Fifo("attempts.fifo");
        for (int i = 0; i < 3; i++) await _sqs.SendMessageAsync(new SendMessageRequest(url, $"m{i}") { MessageGroupId = "g" });
        var request = new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10, ReceiveRequestAttemptId = "attempt-1" };
        var first = await _sqs.ReceiveMessageAsync(request);
        var retry = await _sqs.ReceiveMessageAsync(request);
        Assert.Equal(first.Messages.Select(m => (m.Body, m.ReceiptHandle)), retry.Messages.Select(m => (m.Body, m.ReceiptHandle)));
        Assert.Equal(3, first.Messages.Count);
    }
}
