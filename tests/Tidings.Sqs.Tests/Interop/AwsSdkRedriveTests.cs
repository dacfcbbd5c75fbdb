using Amazon.SQS;
using Amazon.SQS.Model;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>Dead-letter queues through AWSSDK.SQS: RedrivePolicy, ListDeadLetterSourceQueues and message move tasks.</summary>
public sealed class AwsSdkRedriveTests : IAsyncLifetime
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

    private async Task<(string Source, string DeadLetters)> Pair(string name, int maxReceiveCount)
    {
        var dlq = (await _sqs.CreateQueueAsync(name + "-dlq")).QueueUrl;
        var source = (await _sqs.CreateQueueAsync(name)).QueueUrl;
        await _sqs.SetQueueAttributesAsync(source, new Dictionary<string, string>
        {
            ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:{name}-dlq\",\"maxReceiveCount\":\"{maxReceiveCount}\"}}",
        });
        return (source, dlq);
    }

    private async Task<List<Message>> ReceiveAndForget(string url, int visibility = 0) =>
        (await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url)
        {
            MaxNumberOfMessages = 10,
            VisibilityTimeout = visibility,
            MessageSystemAttributeNames = ["All"],
            MessageAttributeNames = ["All"],
        })).Messages ?? [];

    [Fact]
    public async Task A_message_received_more_than_maxReceiveCount_times_moves_to_the_dead_letter_queue()
    {
        var (source, dlq) = await Pair("jobs", maxReceiveCount: 2);
        await _sqs.SendMessageAsync(new SendMessageRequest(source, "poison")
        {
            MessageAttributes = new() { ["kind"] = new MessageAttributeValue { DataType = "String", StringValue = "bad" } },
        });
        Assert.Single(await ReceiveAndForget(source));
        Assert.Single(await ReceiveAndForget(source));
        // The third receive would be the third: the message goes to the dead-letter queue instead.
        Assert.Empty(await ReceiveAndForget(source));
        var dead = Assert.Single(await ReceiveAndForget(dlq, visibility: 30));
        Assert.Equal("poison", dead.Body);
        Assert.Equal("bad", dead.MessageAttributes["kind"].StringValue);
        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:jobs", dead.Attributes["DeadLetterQueueSourceArn"]);
        Assert.Equal(0, _server.Broker.DefaultVirtualHost.FindQueue("jobs")!.MessageCount + _server.Broker.DefaultVirtualHost.FindQueue("jobs")!.UnackedCount);

        var sources = await _sqs.ListDeadLetterSourceQueuesAsync(new ListDeadLetterSourceQueuesRequest { QueueUrl = dlq });
        Assert.Equal([source], sources.QueueUrls);
    }

    [Fact]
    public async Task A_move_task_without_destination_returns_dead_letters_to_their_source_queue()
    {
        var (source, dlq) = await Pair("billing", maxReceiveCount: 1);
        for (int i = 0; i < 3; i++) await _sqs.SendMessageAsync(source, $"invoice {i}");
        await ReceiveAndForget(source);
        Assert.Empty(await ReceiveAndForget(source));
        await Eventually.TrueAsync(() => _server.Broker.DefaultVirtualHost.FindQueue("billing-dlq")!.MessageCount == 3, "three dead letters");

        var started = await _sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = "arn:aws:sqs:us-east-1:000000000000:billing-dlq" });
        Assert.False(string.IsNullOrEmpty(started.TaskHandle));
        await Eventually.TrueAsync(async () =>
        {
            var tasks = await _sqs.ListMessageMoveTasksAsync(new ListMessageMoveTasksRequest { SourceArn = "arn:aws:sqs:us-east-1:000000000000:billing-dlq" });
            return tasks.Results is [{ Status: "COMPLETED", ApproximateNumberOfMessagesMoved: 3 }];
        }, "the move task completes having moved 3");
        var back = await ReceiveAndForget(source, visibility: 30);
        Assert.Equal(["invoice 0", "invoice 1", "invoice 2"], back.Select(m => m.Body).Order());
        Assert.All(back, m => Assert.False(m.Attributes.ContainsKey("DeadLetterQueueSourceArn")));
    }

    [Fact]
    public async Task A_move_task_needs_a_dead_letter_queue_and_a_finished_one_cannot_be_cancelled()
    {
        var plain = (await _sqs.CreateQueueAsync("not-a-dlq")).QueueUrl;
        var refused = await Assert.ThrowsAsync<AmazonSQSException>(() =>
            _sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = "arn:aws:sqs:us-east-1:000000000000:not-a-dlq" }));
        Assert.Equal("InvalidParameterValue", refused.ErrorCode);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            _sqs.StartMessageMoveTaskAsync(new StartMessageMoveTaskRequest { SourceArn = "arn:aws:sqs:us-east-1:000000000000:missing" }));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            _sqs.CancelMessageMoveTaskAsync(new CancelMessageMoveTaskRequest { TaskHandle = "nope" }));
        Assert.NotNull(plain);
    }

    [Fact]
    public async Task A_redrive_policy_needs_an_existing_dead_letter_queue_of_the_same_type_that_allows_the_source()
    {
        var source = (await _sqs.CreateQueueAsync("needs-dlq")).QueueUrl;
        static Dictionary<string, string> Redrive(string target) => new()
        {
            ["RedrivePolicy"] = $"{{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:{target}\",\"maxReceiveCount\":3}}",
        };
        var missing = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SetQueueAttributesAsync(source, Redrive("no-such-dlq")));
        Assert.Equal("InvalidParameterValue", missing.ErrorCode);
        Assert.Contains("does not exist", missing.Message);

        await _sqs.CreateQueueAsync(new CreateQueueRequest("fifo-dlq.fifo") { Attributes = new() { ["FifoQueue"] = "true" } });
        var mixed = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SetQueueAttributesAsync(source, Redrive("fifo-dlq.fifo")));
        Assert.Equal("InvalidParameterValue", mixed.ErrorCode);

        await _sqs.CreateQueueAsync(new CreateQueueRequest("closed-dlq")
        {
            Attributes = new() { ["RedriveAllowPolicy"] = "{\"redrivePermission\":\"denyAll\"}" },
        });
        var denied = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SetQueueAttributesAsync(source, Redrive("closed-dlq")));
        Assert.Equal("InvalidParameterValue", denied.ErrorCode);

        await _sqs.CreateQueueAsync(new CreateQueueRequest("picky-dlq")
        {
            Attributes = new() { ["RedriveAllowPolicy"] = "{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:aws:sqs:us-east-1:000000000000:needs-dlq\"]}" },
        });
        await _sqs.SetQueueAttributesAsync(source, Redrive("picky-dlq"));
        var other = (await _sqs.CreateQueueAsync("not-listed")).QueueUrl;
        await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.SetQueueAttributesAsync(other, Redrive("picky-dlq")));

        await Assert.ThrowsAsync<InvalidAttributeValueException>(() => _sqs.CreateQueueAsync(new CreateQueueRequest("bad-allow")
        {
            Attributes = new() { ["RedriveAllowPolicy"] = "{\"redrivePermission\":\"byQueue\"}" },
        }));
    }
}
