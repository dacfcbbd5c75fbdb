using System.Diagnostics;
using Amazon.SQS;
using Amazon.SQS.Model;
using Tidings.Testing;
using SqsMessageAttribute = Amazon.SQS.Model.MessageAttributeValue;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>
/// Sending, receiving and settling through AWSSDK.SQS, which checks MD5OfMessageBody and
/// MD5OfMessageAttributes of every send and receive and throws on a mismatch.
/// </summary>
public sealed class AwsSdkMessageTests : IAsyncLifetime
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

    private async Task<string> Queue(string name, Dictionary<string, string>? attributes = null) =>
        (await _sqs.CreateQueueAsync(new CreateQueueRequest(name) { Attributes = attributes ?? [] })).QueueUrl;

    private Task<ReceiveMessageResponse> Receive(string url, int max = 10, int? visibility = null, int wait = 0) =>
        _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url)
        {
            MaxNumberOfMessages = max,
            VisibilityTimeout = visibility,
            WaitTimeSeconds = wait,
            MessageAttributeNames = ["All"],
            MessageSystemAttributeNames = ["All"],
        });

    [Fact]
    public async Task A_message_with_typed_attributes_arrives_exactly_and_is_deleted()
    {
        var url = await Queue("typed");
        var sent = await _sqs.SendMessageAsync(new SendMessageRequest(url, "Grüße, 世界 \u00e9\r\n")
        {
            MessageAttributes = new()
            {
                ["client"] = new SqsMessageAttribute { DataType = "String", StringValue = "alice" },
                ["count"] = new SqsMessageAttribute { DataType = "Number", StringValue = "42" },
                ["ratio"] = new SqsMessageAttribute { DataType = "Number.float", StringValue = "0.5" },
                ["blob"] = new SqsMessageAttribute { DataType = "Binary", BinaryValue = new MemoryStream([0, 1, 2, 255]) },
                ["thumb"] = new SqsMessageAttribute { DataType = "Binary.jpg", BinaryValue = new MemoryStream([9, 8]) },
            },
        });
        Assert.NotNull(sent.MD5OfMessageAttributes);

        var received = Assert.Single((await Receive(url)).Messages);
        Assert.Equal(sent.MessageId, received.MessageId);
        Assert.Equal("Grüße, 世界 \u00e9\r\n", received.Body);
        Assert.Equal("alice", received.MessageAttributes["client"].StringValue);
        Assert.Equal("42", received.MessageAttributes["count"].StringValue);
        Assert.Equal("Number.float", received.MessageAttributes["ratio"].DataType);
        Assert.Equal([0, 1, 2, 255], received.MessageAttributes["blob"].BinaryValue.ToArray());
        Assert.Equal("Binary.jpg", received.MessageAttributes["thumb"].DataType);
        Assert.Equal("1", received.Attributes["ApproximateReceiveCount"]);
        Assert.InRange(long.Parse(received.Attributes["SentTimestamp"]), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.Equal("guest", received.Attributes["SenderId"]);

        await _sqs.DeleteMessageAsync(url, received.ReceiptHandle);
        Assert.Empty((await Receive(url, visibility: 0)).Messages ?? []);
        Assert.Equal(0, _server.Broker.DefaultVirtualHost.FindQueue("typed")!.UnackedCount);
    }

    [Fact]
    public async Task Only_the_selected_message_attributes_are_returned_and_their_digest_covers_just_those()
    {
        var url = await Queue("selected");
        await _sqs.SendMessageAsync(new SendMessageRequest(url, "body")
        {
            MessageAttributes = new()
            {
                ["a.one"] = new SqsMessageAttribute { DataType = "String", StringValue = "1" },
                ["a.two"] = new SqsMessageAttribute { DataType = "String", StringValue = "2" },
                ["b"] = new SqsMessageAttribute { DataType = "String", StringValue = "3" },
            },
        });
        // The SDK checks MD5OfMessageAttributes against the attributes it got: a digest of all three would throw.
        var received = Assert.Single((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MessageAttributeNames = ["a.*"] })).Messages);
        Assert.Equal(["a.one", "a.two"], received.MessageAttributes.Keys.Order());
    }

    [Fact]
    public async Task A_batch_of_ten_is_sent_received_and_deleted_in_one_call_each()
    {
        var url = await Queue("batch");
        var entries = Enumerable.Range(0, 10).Select(i => new SendMessageBatchRequestEntry($"e{i}", $"message {i}")).ToList();
        var sent = await _sqs.SendMessageBatchAsync(url, entries);
        Assert.Equal(10, sent.Successful.Count);
        Assert.Empty(sent.Failed ?? []);

        var bodies = new List<string>();
        var handles = new List<DeleteMessageBatchRequestEntry>();
        for (int round = 0; round < 10 && bodies.Count < 10; round++)
        {
            foreach (var m in (await Receive(url)).Messages ?? [])
            {
                bodies.Add(m.Body);
                handles.Add(new DeleteMessageBatchRequestEntry($"d{handles.Count}", m.ReceiptHandle));
            }
        }
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"message {i}").Order(), bodies.Order());
        var deleted = await _sqs.DeleteMessageBatchAsync(url, handles);
        Assert.Equal(10, deleted.Successful.Count);
        Assert.Equal(0, _server.Broker.DefaultVirtualHost.FindQueue("batch")!.UnackedCount);
    }

    [Fact]
    public async Task Batch_rules_are_AWS_errors_and_a_bad_entry_fails_alone()
    {
        var url = await Queue("batch-rules");
        await Assert.ThrowsAsync<BatchEntryIdsNotDistinctException>(() => _sqs.SendMessageBatchAsync(url,
            [new SendMessageBatchRequestEntry("same", "a"), new SendMessageBatchRequestEntry("same", "b")]));
        await Assert.ThrowsAsync<TooManyEntriesInBatchRequestException>(() => _sqs.SendMessageBatchAsync(url,
            [.. Enumerable.Range(0, 11).Select(i => new SendMessageBatchRequestEntry($"e{i}", "x"))]));
        await Assert.ThrowsAsync<InvalidBatchEntryIdException>(() => _sqs.SendMessageBatchAsync(url, [new SendMessageBatchRequestEntry("bad id!", "a")]));

        var mixed = await _sqs.SendMessageBatchAsync(url,
        [
            new SendMessageBatchRequestEntry("good", "fine"),
            new SendMessageBatchRequestEntry("bad", "x") { DelaySeconds = 901 },
        ]);
        Assert.Equal("good", Assert.Single(mixed.Successful).Id);
        var failed = Assert.Single(mixed.Failed);
        Assert.Equal("bad", failed.Id);
        Assert.True(failed.SenderFault);
        Assert.Equal("InvalidParameterValue", failed.Code);

        var handles = await _sqs.DeleteMessageBatchAsync(url, [new DeleteMessageBatchRequestEntry("x", "not-a-handle")]);
        Assert.Equal("ReceiptHandleIsInvalid", Assert.Single(handles.Failed).Code);
    }

    [Fact]
    public async Task An_unsettled_message_comes_back_after_its_visibility_timeout_counted_twice()
    {
        var url = await Queue("visibility");
        await _sqs.SendMessageAsync(url, "again");
        var first = Assert.Single((await Receive(url, visibility: 1)).Messages);
        Assert.Empty((await Receive(url)).Messages ?? []);
        await Task.Delay(1500);
        var second = Assert.Single((await Receive(url, wait: 5)).Messages);
        Assert.Equal(first.MessageId, second.MessageId);
        Assert.Equal("2", second.Attributes["ApproximateReceiveCount"]);
        Assert.Equal(first.Attributes["ApproximateFirstReceiveTimestamp"], second.Attributes["ApproximateFirstReceiveTimestamp"]);
        Assert.NotEqual(first.ReceiptHandle, second.ReceiptHandle);
    }

    [Fact]
    public async Task ChangeMessageVisibility_extends_keeps_the_handle_and_zero_returns_the_message_now()
    {
        var url = await Queue("change");
        await _sqs.SendMessageAsync(url, "hold");
        var held = Assert.Single((await Receive(url, visibility: 1)).Messages);
        await _sqs.ChangeMessageVisibilityAsync(url, held.ReceiptHandle, 30);
        await Task.Delay(1500);
        Assert.Empty((await Receive(url)).Messages ?? []);
        // Still the same delivery: the first handle deletes it.
        await _sqs.ChangeMessageVisibilityAsync(url, held.ReceiptHandle, 0);
        var back = Assert.Single((await Receive(url, visibility: 30)).Messages);
        await Assert.ThrowsAsync<MessageNotInflightException>(() => _sqs.ChangeMessageVisibilityAsync(url, held.ReceiptHandle, 10));
        var batch = await _sqs.ChangeMessageVisibilityBatchAsync(url, [new ChangeMessageVisibilityBatchRequestEntry("c", back.ReceiptHandle) { VisibilityTimeout = 60 }]);
        Assert.Equal("c", Assert.Single(batch.Successful).Id);
        await _sqs.DeleteMessageAsync(url, back.ReceiptHandle);
        Assert.Equal(0, _server.Broker.DefaultVirtualHost.FindQueue("change")!.UnackedCount);
    }

    [Fact]
    public async Task A_long_poll_wakes_as_soon_as_a_message_is_sent()
    {
        var url = await Queue("longpoll");
        var clock = Stopwatch.StartNew();
        var poll = Receive(url, wait: 10);
        await Task.Delay(300);
        Assert.False(poll.IsCompleted, "a long poll on an empty queue waits");
        await _sqs.SendMessageAsync(url, "wake");
        var received = await poll;
        Assert.Equal("wake", Assert.Single(received.Messages).Body);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the poll took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_long_poll_on_an_empty_queue_ends_empty_after_its_wait()
    {
        var url = await Queue("empty-poll");
        var clock = Stopwatch.StartNew();
        var received = await Receive(url, wait: 1);
        Assert.Empty(received.Messages ?? []);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Delayed_messages_are_invisible_until_their_delay_passes()
    {
        var url = await Queue("delayed");
        await _sqs.SendMessageAsync(new SendMessageRequest(url, "soon") { DelaySeconds = 1 });
        Assert.Empty((await Receive(url)).Messages ?? []);
        Assert.Equal("soon", Assert.Single((await Receive(url, wait: 5)).Messages).Body);
    }

    [Fact]
    public async Task Invalid_sends_and_receives_are_answered_with_AWS_error_codes()
    {
        var url = await Queue("invalid", new() { ["MaximumMessageSize"] = "1024" });
        var tooBig = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SendMessageAsync(url, new string('x', 1025)));
        Assert.Equal("InvalidParameterValue", tooBig.ErrorCode);
        var control = await Assert.ThrowsAsync<InvalidMessageContentsException>(() => _sqs.SendMessageAsync(url, "bell \u0007"));
        Assert.NotNull(control);
        var tooMany = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 11 }));
        Assert.Equal("InvalidParameterValue", tooMany.ErrorCode);
        var badType = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SendMessageAsync(new SendMessageRequest(url, "x")
        {
            MessageAttributes = new() { ["n"] = new SqsMessageAttribute { DataType = "Number", StringValue = "not a number" } },
        }));
        Assert.Equal("InvalidParameterValue", badType.ErrorCode);
        await Assert.ThrowsAsync<ReceiptHandleIsInvalidException>(() => _sqs.DeleteMessageAsync(url, "garbage"));
        // The broker is still serving.
        Assert.NotNull((await _sqs.SendMessageAsync(url, "fine")).MessageId);
    }
}
