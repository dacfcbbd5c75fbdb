using System.Net;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Sns;

/// <summary>The SNS API's requests and answers in detail, over raw Query requests.</summary>
public sealed class SnsApiTests : IAsyncLifetime
{
    private static readonly System.Xml.Linq.XNamespace Ns = SnsQuery.Ns;
    private TestBrokerServer _server = null!;
    private SnsQuery _sns = null!;

    public async Task InitializeAsync()
    {
        _server = await TestBrokerServer.StartWithSqsAsync();
        _sns = new SnsQuery(_server);
    }

    public async Task DisposeAsync()
    {
        _sns.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task CreateTopic_is_idempotent_and_declares_a_durable_fanout_exchange()
    {
        string arn = await _sns.CreateTopic("orders", ("Attributes.entry.1.key", "DisplayName"), ("Attributes.entry.1.value", "Orders"));
        Assert.Equal("arn:aws:sns:us-east-1:000000000000:orders", arn);
        Assert.Equal(arn, await _sns.CreateTopic("orders"));
        Assert.Equal(arn, await _sns.CreateTopic("orders", ("Attributes.entry.1.key", "DisplayName"), ("Attributes.entry.1.value", "Orders")));
        var message = await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "CreateTopic",
            ("Name", "orders"), ("Attributes.entry.1.key", "DisplayName"), ("Attributes.entry.1.value", "Other"));
        Assert.Contains("already exists with different attributes", message);

        var exchange = _server.Broker.DefaultVirtualHost.FindExchange("sns:orders");
        Assert.NotNull(exchange);
        Assert.Equal("fanout", exchange.Type);
        Assert.True(exchange.Durable);
    }

    [Fact]
    public async Task Bad_names_and_FIFO_topics_are_refused_clearly()
    {
        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "CreateTopic", ("Name", "bad name"));
        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "CreateTopic");
        var message = await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "CreateTopic", ("Name", "t.fifo"),
            ("Attributes.entry.1.key", "FifoTopic"), ("Attributes.entry.1.value", "true"));
        Assert.Contains("FIFO topics are not supported", message);
        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidAction", "NoSuchAction");
    }

    [Fact]
    public async Task Topic_attributes_show_counts_owner_and_what_was_set()
    {
        string arn = await _sns.CreateTopic("attrs");
        await _sns.Ok("SetTopicAttributes", ("TopicArn", arn), ("AttributeName", "DisplayName"), ("AttributeValue", "Shown"));
        await _sns.Ok("Subscribe", ("TopicArn", arn), ("Protocol", "sqs"), ("Endpoint", "arn:aws:sqs:us-east-1:000000000000:q1"));
        var attributes = await _sns.Attributes("GetTopicAttributes", ("TopicArn", arn));
        Assert.Equal(arn, attributes["TopicArn"]);
        Assert.Equal("Shown", attributes["DisplayName"]);
        Assert.Equal("000000000000", attributes["Owner"]);
        Assert.Equal("1", attributes["SubscriptionsConfirmed"]);
        Assert.Equal("0", attributes["SubscriptionsPending"]);
        Assert.Equal("0", attributes["SubscriptionsDeleted"]);
        Assert.Contains("__default_policy_ID", attributes["Policy"]);
        Assert.Contains("defaultHealthyRetryPolicy", attributes["EffectiveDeliveryPolicy"]);

        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "SetTopicAttributes", ("TopicArn", arn), ("AttributeName", "Bogus"), ("AttributeValue", "x"));
        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "SetTopicAttributes", ("TopicArn", arn), ("AttributeName", "Policy"), ("AttributeValue", "{not json"));
        await _sns.Fails(HttpStatusCode.NotFound, "NotFound", "GetTopicAttributes", ("TopicArn", "arn:aws:sns:us-east-1:000000000000:missing"));
    }

    [Fact]
    public async Task ListTopics_pages_by_100_with_NextToken()
    {
        for (int i = 0; i < 130; i++) await _sns.CreateTopic($"page-{i:D3}");
        var first = await _sns.Ok("ListTopics");
        var arns = first.Element(Ns + "Topics")!.Elements(Ns + "member").Select(m => m.Element(Ns + "TopicArn")!.Value).ToList();
        Assert.Equal(100, arns.Count);
        string token = first.Element(Ns + "NextToken")!.Value;
        var second = await _sns.Ok("ListTopics", ("NextToken", token));
        arns.AddRange(second.Element(Ns + "Topics")!.Elements(Ns + "member").Select(m => m.Element(Ns + "TopicArn")!.Value));
        Assert.Null(second.Element(Ns + "NextToken"));
        Assert.Equal(Enumerable.Range(0, 130).Select(i => $"arn:aws:sns:us-east-1:000000000000:page-{i:D3}"), arns);
    }

    [Fact]
    public async Task Subscriptions_are_listed_have_attributes_and_go_with_their_topic()
    {
        string arn = await _sns.CreateTopic("subs");
        const string queueArn = "arn:aws:sqs:us-east-1:000000000000:subs-q";
        var result = await _sns.Ok("Subscribe", ("TopicArn", arn), ("Protocol", "sqs"), ("Endpoint", queueArn),
            ("Attributes.entry.1.key", "RawMessageDelivery"), ("Attributes.entry.1.value", "true"), ("ReturnSubscriptionArn", "true"));
        string subscription = result.Element(Ns + "SubscriptionArn")!.Value;
        Assert.StartsWith(arn + ":", subscription);
        // The same subscription again is the same ARN.
        Assert.Equal(subscription, (await _sns.Ok("Subscribe", ("TopicArn", arn), ("Protocol", "sqs"), ("Endpoint", queueArn)))
            .Element(Ns + "SubscriptionArn")!.Value);

        var attributes = await _sns.Attributes("GetSubscriptionAttributes", ("SubscriptionArn", subscription));
        Assert.Equal("true", attributes["RawMessageDelivery"]);
        Assert.Equal("false", attributes["PendingConfirmation"]);
        Assert.Equal(queueArn, attributes["Endpoint"]);
        Assert.Equal("sqs", attributes["Protocol"]);
        Assert.Equal(arn, attributes["TopicArn"]);

        await _sns.Ok("SetSubscriptionAttributes", ("SubscriptionArn", subscription), ("AttributeName", "FilterPolicy"), ("AttributeValue", "{\"color\":[\"blue\"]}"));
        attributes = await _sns.Attributes("GetSubscriptionAttributes", ("SubscriptionArn", subscription));
        Assert.Equal("{\"color\":[\"blue\"]}", attributes["FilterPolicy"]);
        Assert.Equal("MessageAttributes", attributes["FilterPolicyScope"]);
        var bad = await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "SetSubscriptionAttributes",
            ("SubscriptionArn", subscription), ("AttributeName", "FilterPolicy"), ("AttributeValue", "{\"color\": \"blue\"}"));
        Assert.StartsWith("Invalid parameter: FilterPolicy", bad);
        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "SetSubscriptionAttributes",
            ("SubscriptionArn", subscription), ("AttributeName", "RawMessageDelivery"), ("AttributeValue", "maybe"));

        var listed = (await _sns.Ok("ListSubscriptionsByTopic", ("TopicArn", arn))).Element(Ns + "Subscriptions")!.Elements(Ns + "member").ToList();
        var member = Assert.Single(listed);
        Assert.Equal(subscription, member.Element(Ns + "SubscriptionArn")!.Value);
        Assert.Equal("000000000000", member.Element(Ns + "Owner")!.Value);
        Assert.Single((await _sns.Ok("ListSubscriptions")).Element(Ns + "Subscriptions")!.Elements(Ns + "member"));

        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "Subscribe", ("TopicArn", arn), ("Protocol", "http"), ("Endpoint", "http://example.com/"));
        var badPolicy = await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "Subscribe", ("TopicArn", arn), ("Protocol", "sqs"),
            ("Endpoint", "arn:aws:sqs:us-east-1:000000000000:other"), ("Attributes.entry.1.key", "FilterPolicy"), ("Attributes.entry.1.value", "[1]"));
        Assert.StartsWith("Invalid parameter: Attributes Reason: FilterPolicy", badPolicy);
        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "Subscribe", ("TopicArn", arn), ("Protocol", "sqs"), ("Endpoint", "not-an-arn"));
        await _sns.Fails(HttpStatusCode.NotFound, "NotFound", "Subscribe", ("TopicArn", arn + "x"), ("Protocol", "sqs"), ("Endpoint", queueArn));

        await _sns.Ok("DeleteTopic", ("TopicArn", arn));
        await _sns.Ok("DeleteTopic", ("TopicArn", arn)); // already gone: still fine
        Assert.Empty((await _sns.Ok("ListSubscriptions")).Element(Ns + "Subscriptions")!.Elements(Ns + "member"));
        await _sns.Fails(HttpStatusCode.NotFound, "NotFound", "GetSubscriptionAttributes", ("SubscriptionArn", subscription));
        Assert.Null(_server.Broker.DefaultVirtualHost.FindExchange("sns:subs"));
    }

    [Fact]
    public async Task Publish_checks_its_input_as_SNS_does()
    {
        string arn = await _sns.CreateTopic("pub");
        var ok = await _sns.Ok("Publish", ("TopicArn", arn), ("Message", "hi"), ("Subject", "s"),
            ("MessageAttributes.entry.1.Name", "n"), ("MessageAttributes.entry.1.Value.DataType", "Number"), ("MessageAttributes.entry.1.Value.StringValue", "1.5"));
        Assert.True(Guid.TryParse(ok.Element(Ns + "MessageId")!.Value, out _));
        Assert.NotNull((await _sns.Ok("Publish", ("TargetArn", arn), ("Message", "hi"))).Element(Ns + "MessageId"));

        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "Publish", ("TopicArn", arn));
        await _sns.Fails(HttpStatusCode.NotFound, "NotFound", "Publish", ("TopicArn", arn + "-missing"), ("Message", "hi"));
        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "Publish", ("TopicArn", arn), ("Message", "{\"sqs\":\"x\"}"), ("MessageStructure", "json"));
        await _sns.Fails(HttpStatusCode.BadRequest, "InvalidParameter", "Publish", ("TopicArn", arn), ("Message", new string('x', 256 * 1024 + 1)));
        await _sns.Fails(HttpStatusCode.BadRequest, "ParameterValueInvalid", "Publish", ("TopicArn", arn), ("Message", "m"),
            ("MessageAttributes.entry.1.Name", "n"), ("MessageAttributes.entry.1.Value.DataType", "Number"), ("MessageAttributes.entry.1.Value.StringValue", "abc"));
        await _sns.Fails(HttpStatusCode.BadRequest, "ParameterValueInvalid", "Publish", ("TopicArn", arn), ("Message", "m"),
            ("MessageAttributes.entry.1.Name", "n"), ("MessageAttributes.entry.1.Value.DataType", "Date"), ("MessageAttributes.entry.1.Value.StringValue", "x"));
    }

    [Fact]
    public async Task PublishBatch_answers_per_entry()
    {
        string arn = await _sns.CreateTopic("batch");
        var result = await _sns.Ok("PublishBatch", ("TopicArn", arn),
            ("PublishBatchRequestEntries.member.1.Id", "a"), ("PublishBatchRequestEntries.member.1.Message", "one"),
            ("PublishBatchRequestEntries.member.2.Id", "b"), ("PublishBatchRequestEntries.member.2.Message", ""));
        var successful = Assert.Single(result.Element(Ns + "Successful")!.Elements(Ns + "member"));
        Assert.Equal("a", successful.Element(Ns + "Id")!.Value);
        var failed = Assert.Single(result.Element(Ns + "Failed")!.Elements(Ns + "member"));
        Assert.Equal("b", failed.Element(Ns + "Id")!.Value);
        Assert.Equal("InvalidParameter", failed.Element(Ns + "Code")!.Value);
        Assert.Equal("true", failed.Element(Ns + "SenderFault")!.Value);

        var eleven = Enumerable.Range(1, 11).SelectMany(i => new[] { ($"PublishBatchRequestEntries.member.{i}.Id", $"e{i}"), ($"PublishBatchRequestEntries.member.{i}.Message", "m") });
        await _sns.Fails(HttpStatusCode.BadRequest, "TooManyEntriesInBatchRequest", "PublishBatch", [("TopicArn", arn), .. eleven]);
        await _sns.Fails(HttpStatusCode.BadRequest, "EmptyBatchRequest", "PublishBatch", ("TopicArn", arn));
        await _sns.Fails(HttpStatusCode.BadRequest, "BatchEntryIdsNotDistinct", "PublishBatch", ("TopicArn", arn),
            ("PublishBatchRequestEntries.member.1.Id", "a"), ("PublishBatchRequestEntries.member.1.Message", "one"),
            ("PublishBatchRequestEntries.member.2.Id", "a"), ("PublishBatchRequestEntries.member.2.Message", "two"));
    }

    [Fact]
    public async Task Tags_are_added_listed_and_removed()
    {
        string arn = await _sns.CreateTopic("tagged", ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "core"));
        await _sns.Ok("TagResource", ("ResourceArn", arn), ("Tags.member.1.Key", "env"), ("Tags.member.1.Value", "test"));
        var tags = (await _sns.Ok("ListTagsForResource", ("ResourceArn", arn))).Element(Ns + "Tags")!.Elements(Ns + "member")
            .ToDictionary(m => m.Element(Ns + "Key")!.Value, m => m.Element(Ns + "Value")!.Value);
        Assert.Equal(new Dictionary<string, string> { ["env"] = "test", ["team"] = "core" }, tags);
        await _sns.Ok("UntagResource", ("ResourceArn", arn), ("TagKeys.member.1", "team"));
        Assert.Single((await _sns.Ok("ListTagsForResource", ("ResourceArn", arn))).Element(Ns + "Tags")!.Elements(Ns + "member"));
        await _sns.Fails(HttpStatusCode.NotFound, "ResourceNotFound", "ListTagsForResource", ("ResourceArn", arn + "-missing"));
    }

    [Fact]
    public async Task A_user_without_permission_gets_AuthorizationError()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync(o => o.LoopbackUser = "limited");
        // May configure and read anything, but write only to queues named "ok-*" (not to sns:* exchanges).
        server.Broker.AddUser("limited", "pw").SetPermissions("/", new Core.Security.VhostPermissions(".*", "^ok-.*", ".*"));
        using var sns = new SnsQuery(server);
        string arn = await sns.CreateTopic("guarded");
        await sns.Ok("Subscribe", ("TopicArn", arn), ("Protocol", "sqs"), ("Endpoint", "arn:aws:sqs:us-east-1:000000000000:ok-queue"));
        await sns.Fails(HttpStatusCode.Forbidden, "AuthorizationError", "Subscribe", ("TopicArn", arn), ("Protocol", "sqs"),
            ("Endpoint", "arn:aws:sqs:us-east-1:000000000000:other"));
        await sns.Fails(HttpStatusCode.Forbidden, "AuthorizationError", "Publish", ("TopicArn", arn), ("Message", "no"));
    }

    [Fact]
    public async Task The_JSON_protocol_works_too()
    {
        using var http = new HttpClient { BaseAddress = new Uri(_server.SqsEndpoint) };
        async Task<(HttpStatusCode, System.Text.Json.JsonElement)> Call(string action, string body)
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8);
            content.Headers.ContentType = new("application/x-amz-json-1.0");
            content.Headers.Add("X-Amz-Target", "AmazonSimpleNotificationService." + action);
            using var response = await http.PostAsync("/", content);
            return (response.StatusCode, System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
        }
        var (status, created) = await Call("CreateTopic", """{"Name":"json-topic","Tags":[{"Key":"a","Value":"b"}]}""");
        Assert.Equal(HttpStatusCode.OK, status);
        string arn = created.GetProperty("TopicArn").GetString()!;
        (status, var published) = await Call("Publish", "{\"TopicArn\":\"" + arn + "\",\"Message\":\"m\",\"MessageAttributes\":{\"x\":{\"DataType\":\"String\",\"StringValue\":\"y\"}}}");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(published.TryGetProperty("MessageId", out _));
        (status, var error) = await Call("GetTopicAttributes", """{"TopicArn":"arn:aws:sns:us-east-1:000000000000:nope"}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("com.amazonaws.sns#NotFound", error.GetProperty("__type").GetString());
    }
}
