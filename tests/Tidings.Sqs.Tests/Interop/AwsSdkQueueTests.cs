using System.Net;
using Amazon.SQS;
using Amazon.SQS.Model;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>Queue lifecycle, attributes, tags and permissions through AWSSDK.SQS (JSON protocol).</summary>
public sealed class AwsSdkQueueTests : IAsyncLifetime
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

    [Fact]
    public async Task A_queue_is_created_found_listed_and_deleted()
    {
        var created = await _sqs.CreateQueueAsync("orders");
        Assert.Equal($"{_server.SqsEndpoint}/000000000000/orders", created.QueueUrl);
        Assert.Equal(created.QueueUrl, (await _sqs.GetQueueUrlAsync("orders")).QueueUrl);
        // A broker queue underneath: durable, in the default vhost.
        Assert.True(_server.Broker.DefaultVirtualHost.FindQueue("orders")!.Durable);

        await _sqs.CreateQueueAsync("orders-archive");
        var listed = await _sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = "orders" });
        Assert.Equal([created.QueueUrl, $"{_server.SqsEndpoint}/000000000000/orders-archive"], listed.QueueUrls);

        await _sqs.DeleteQueueAsync(created.QueueUrl);
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _sqs.GetQueueUrlAsync("orders"));
        Assert.Null(_server.Broker.DefaultVirtualHost.FindQueue("orders"));
    }

    [Fact]
    public async Task ListQueues_pages_with_MaxResults_and_NextToken()
    {
        for (int i = 0; i < 5; i++) await _sqs.CreateQueueAsync($"page-{i}");
        var first = await _sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = "page-", MaxResults = 2 });
        Assert.Equal(2, first.QueueUrls.Count);
        Assert.NotNull(first.NextToken);
        var second = await _sqs.ListQueuesAsync(new ListQueuesRequest { QueueNamePrefix = "page-", MaxResults = 10, NextToken = first.NextToken });
        Assert.Equal(3, second.QueueUrls.Count);
        Assert.Null(second.NextToken);
        Assert.Empty(first.QueueUrls.Intersect(second.QueueUrls));
    }

    [Fact]
    public async Task Creating_again_with_other_attributes_is_QueueNameExists_and_with_the_same_returns_the_url()
    {
        var attributes = new Dictionary<string, string> { ["VisibilityTimeout"] = "40" };
        var url = (await _sqs.CreateQueueAsync(new CreateQueueRequest("same") { Attributes = attributes })).QueueUrl;
        Assert.Equal(url, (await _sqs.CreateQueueAsync(new CreateQueueRequest("same") { Attributes = attributes })).QueueUrl);
        await Assert.ThrowsAsync<QueueNameExistsException>(() =>
            _sqs.CreateQueueAsync(new CreateQueueRequest("same") { Attributes = new() { ["VisibilityTimeout"] = "41" } }));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("dots.not.allowed")]
    [InlineData("ends.fifo")]
    public async Task Invalid_queue_names_are_refused(string name)
    {
        var e = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.CreateQueueAsync(name));
        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Equal("InvalidParameterValue", e.ErrorCode);
    }

    [Fact]
    public async Task Attributes_have_AWS_defaults_can_be_set_and_unknown_names_are_refused()
    {
        var url = (await _sqs.CreateQueueAsync("attrs")).QueueUrl;
        var all = (await _sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.Equal("30", all["VisibilityTimeout"]);
        Assert.Equal("1048576", all["MaximumMessageSize"]);
        Assert.Equal("345600", all["MessageRetentionPeriod"]);
        Assert.Equal("0", all["DelaySeconds"]);
        Assert.Equal("0", all["ApproximateNumberOfMessages"]);
        Assert.Equal("arn:aws:sqs:us-east-1:000000000000:attrs", all["QueueArn"]);
        Assert.True(long.Parse(all["CreatedTimestamp"]) > 1_700_000_000);

        await _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["VisibilityTimeout"] = "5", ["DelaySeconds"] = "2" });
        var changed = (await _sqs.GetQueueAttributesAsync(url, ["VisibilityTimeout", "DelaySeconds"])).Attributes;
        Assert.Equal("5", changed["VisibilityTimeout"]);
        Assert.Equal("2", changed["DelaySeconds"]);
        Assert.Equal(2, changed.Count);

        await Assert.ThrowsAsync<InvalidAttributeNameException>(() => _sqs.GetQueueAttributesAsync(url, ["NoSuchAttribute"]));
        var tooLong = await Assert.ThrowsAsync<InvalidAttributeValueException>(() =>
            _sqs.SetQueueAttributesAsync(url, new Dictionary<string, string> { ["VisibilityTimeout"] = "43201" }));
        Assert.Contains("VisibilityTimeout", tooLong.Message);
    }

    [Fact]
    public async Task Message_counts_follow_sends_receives_and_delays()
    {
        var url = (await _sqs.CreateQueueAsync("counts")).QueueUrl;
        await _sqs.SendMessageAsync(url, "a");
        await _sqs.SendMessageAsync(url, "b");
        await _sqs.SendMessageAsync(new SendMessageRequest(url, "later") { DelaySeconds = 60 });
        await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 1 });
        var counts = (await _sqs.GetQueueAttributesAsync(url, ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"])).Attributes;
        Assert.Equal("1", counts["ApproximateNumberOfMessages"]);
        Assert.Equal("1", counts["ApproximateNumberOfMessagesNotVisible"]);
        Assert.Equal("1", counts["ApproximateNumberOfMessagesDelayed"]);
    }

    [Fact]
    public async Task Tags_are_added_listed_and_removed()
    {
        var url = (await _sqs.CreateQueueAsync(new CreateQueueRequest("tagged") { Tags = new() { ["team"] = "alerts" } })).QueueUrl;
        await _sqs.TagQueueAsync(new TagQueueRequest { QueueUrl = url, Tags = new() { ["env"] = "dev" } });
        var tags = (await _sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url })).Tags;
        Assert.Equal(new Dictionary<string, string> { ["env"] = "dev", ["team"] = "alerts" }, tags);
        await _sqs.UntagQueueAsync(new UntagQueueRequest { QueueUrl = url, TagKeys = ["team"] });
        Assert.Equal(["env"], (await _sqs.ListQueueTagsAsync(new ListQueueTagsRequest { QueueUrl = url })).Tags.Keys);
    }

    [Fact]
    public async Task Permissions_show_in_the_policy_and_can_be_removed()
    {
        var url = (await _sqs.CreateQueueAsync("shared")).QueueUrl;
        await _sqs.AddPermissionAsync(new AddPermissionRequest
        {
            QueueUrl = url,
            Label = "partner",
            AWSAccountIds = ["111122223333"],
            Actions = ["SendMessage"],
        });
        var policy = (await _sqs.GetQueueAttributesAsync(url, ["Policy"])).Attributes["Policy"];
        Assert.Contains("\"Sid\":\"partner\"", policy);
        Assert.Contains("arn:aws:iam::111122223333:root", policy);
        Assert.Contains("SQS:SendMessage", policy);
        await _sqs.RemovePermissionAsync(url, "partner");
        Assert.False((await _sqs.GetQueueAttributesAsync(url, ["Policy"])).Attributes?.ContainsKey("Policy") ?? false);
        var missing = await Assert.ThrowsAsync<AmazonSQSException>(() => _sqs.RemovePermissionAsync(url, "partner"));
        Assert.Equal("InvalidParameterValue", missing.ErrorCode);
    }

    [Fact]
    public async Task Purge_empties_the_queue_and_a_second_purge_within_60_s_is_refused()
    {
        var url = (await _sqs.CreateQueueAsync("purged")).QueueUrl;
        for (int i = 0; i < 3; i++) await _sqs.SendMessageAsync(url, $"m{i}");
        await _sqs.PurgeQueueAsync(url);
        Assert.Empty((await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10 })).Messages ?? []);
        await Assert.ThrowsAsync<PurgeQueueInProgressException>(() => _sqs.PurgeQueueAsync(url));
    }

    [Fact]
    public async Task Unknown_queues_are_QueueDoesNotExist_for_every_action_that_names_one()
    {
        string url = $"{_server.SqsEndpoint}/000000000000/nowhere";
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _sqs.SendMessageAsync(url, "x"));
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _sqs.ReceiveMessageAsync(url));
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _sqs.GetQueueAttributesAsync(url, ["All"]));
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _sqs.DeleteQueueAsync(url));
        await Assert.ThrowsAsync<QueueDoesNotExistException>(() => _sqs.PurgeQueueAsync(url));
    }
}
