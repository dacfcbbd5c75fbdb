using System.Text;
using System.Text.Json;
using Amazon.SQS.Model;
using RabbitMQ.Client;
using Tidings.Sqs.Tests.Interop;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Sns;

/// <summary>Where a published message goes: SQS subscriptions (read with AWSSDK.SQS) and AMQP queues bound to the topic's exchange.</summary>
public sealed class SnsDeliveryTests
{
    private static readonly System.Xml.Linq.XNamespace Ns = SnsQuery.Ns;

    private static async Task<string> QueueArn(Amazon.SQS.AmazonSQSClient sqs, string url) =>
        (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest(url, ["QueueArn"]))).Attributes["QueueArn"];

    private static async Task<string> Subscribe(SnsQuery sns, string topicArn, string queueArn, params (string, string)[] attributes)
    {
        var fields = new List<(string, string)> { ("TopicArn", topicArn), ("Protocol", "sqs"), ("Endpoint", queueArn) };
        for (int i = 0; i < attributes.Length; i++)
        {
            fields.Add(($"Attributes.entry.{i + 1}.key", attributes[i].Item1));
            fields.Add(($"Attributes.entry.{i + 1}.value", attributes[i].Item2));
        }
        return (await sns.Ok("Subscribe", [.. fields])).Element(Ns + "SubscriptionArn")!.Value;
    }

    private static async Task<string> Publish(SnsQuery sns, string topicArn, string message, params (string Name, string Type, string Value)[] attributes)
    {
        var fields = new List<(string, string)> { ("TopicArn", topicArn), ("Message", message) };
        for (int i = 0; i < attributes.Length; i++)
        {
            fields.Add(($"MessageAttributes.entry.{i + 1}.Name", attributes[i].Name));
            fields.Add(($"MessageAttributes.entry.{i + 1}.Value.DataType", attributes[i].Type));
            fields.Add(($"MessageAttributes.entry.{i + 1}.Value.StringValue", attributes[i].Value));
        }
        return (await sns.Ok("Publish", [.. fields])).Element(Ns + "MessageId")!.Value;
    }

    [Fact]
    public async Task An_SQS_subscriber_gets_the_envelope_and_a_filter_policy_drops_what_does_not_match()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        using var sns = new SnsQuery(server);
        using var sqs = SqsClients.For(server);
        string topic = await sns.CreateTopic("events");
        string all = (await sqs.CreateQueueAsync("all-events")).QueueUrl;
        string blue = (await sqs.CreateQueueAsync("blue-events")).QueueUrl;
        await Subscribe(sns, topic, await QueueArn(sqs, all));
        await Subscribe(sns, topic, await QueueArn(sqs, blue), ("FilterPolicy", "{\"color\":[\"blue\"]}"), ("RawMessageDelivery", "true"));

        string red = await Publish(sns, topic, "red thing", ("color", "String", "red"), ("size", "Number", "3"));
        await Publish(sns, topic, "blue thing", ("color", "String", "blue"));

        var received = (await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(all) { MaxNumberOfMessages = 10, WaitTimeSeconds = 2, MessageAttributeNames = ["All"] })).Messages;
        Assert.Equal(2, received.Count);
        var envelopes = received.Select(m => JsonDocument.Parse(m.Body).RootElement).ToList();
        var redEnvelope = envelopes.Single(e => e.GetProperty("Message").GetString() == "red thing");
        Assert.Equal("Notification", redEnvelope.GetProperty("Type").GetString());
        Assert.Equal(red, redEnvelope.GetProperty("MessageId").GetString());
        Assert.Equal(topic, redEnvelope.GetProperty("TopicArn").GetString());
        Assert.Equal("Number", redEnvelope.GetProperty("MessageAttributes").GetProperty("size").GetProperty("Type").GetString());
        Assert.Equal("3", redEnvelope.GetProperty("MessageAttributes").GetProperty("size").GetProperty("Value").GetString());
        Assert.All(received, m => Assert.Empty(m.MessageAttributes ?? []));

        var filtered = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(blue) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1, MessageAttributeNames = ["All"] })).Messages);
        Assert.Equal("blue thing", filtered.Body);
        Assert.Equal("blue", filtered.MessageAttributes["color"].StringValue);
        Assert.Equal(0, server.Broker.DefaultVirtualHost.FindQueue("blue-events")!.MessageCount);
    }

    [Fact]
    public async Task An_AMQP_queue_bound_to_the_topic_exchange_gets_the_raw_message_with_typed_headers()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        using var sns = new SnsQuery(server);
        string topic = await sns.CreateTopic("fan");
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort, UserName = "guest", Password = "guest" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("fan-amqp", durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("fan-amqp", "sns:fan", "");

        string id = await Publish(sns, topic, "to amqp", ("color", "String", "green"), ("n", "Number", "7"));

        BasicGetResult? got = null;
        for (int i = 0; i < 50 && got is null; i++)
        {
            got = await channel.BasicGetAsync("fan-amqp", autoAck: true);
            if (got is null) await Task.Delay(50);
        }
        Assert.NotNull(got);
        Assert.Equal("to amqp", Encoding.UTF8.GetString(got.Body.Span));
        Assert.Equal(id, got.BasicProperties.MessageId);
        var headers = got.BasicProperties.Headers!;
        Assert.Equal("green", Encoding.UTF8.GetString((byte[])headers["color"]!));
        Assert.Equal(topic, Encoding.UTF8.GetString((byte[])headers["x-sns-topic-arn"]!));
        Assert.Equal("7", Encoding.UTF8.GetString((byte[])headers["n"]!));
    }

    [Fact]
    public async Task MessageStructure_json_gives_SQS_its_key_and_AMQP_the_default_even_after_the_exchange_was_deleted()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        using var sns = new SnsQuery(server);
        using var sqs = SqsClients.For(server);
        string topic = await sns.CreateTopic("structured");
        string url = (await sqs.CreateQueueAsync("structured-q")).QueueUrl;
        await Subscribe(sns, topic, await QueueArn(sqs, url), ("RawMessageDelivery", "true"));
        var host = server.Broker.DefaultVirtualHost;
        // Deleted behind the API's back (over AMQP, say): Publish declares it again.
        host.DeleteExchange("sns:structured");
        host.DeclareQueue("structured-amqp", durable: true);

        await sns.Ok("Publish", ("TopicArn", topic), ("MessageStructure", "json"), ("Message", "{\"default\":\"for everyone\",\"sqs\":\"for sqs\"}"));
        Assert.Equal("for sqs", Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { WaitTimeSeconds = 1 })).Messages).Body);
        Assert.NotNull(host.FindExchange("sns:structured"));

        host.BindQueue("structured-amqp", "sns:structured", "");
        await sns.Ok("Publish", ("TopicArn", topic), ("MessageStructure", "json"), ("Message", "{\"default\":\"for everyone\",\"sqs\":\"for sqs\"}"));
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort, UserName = "guest", Password = "guest" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var got = await channel.BasicGetAsync("structured-amqp", autoAck: true);
        Assert.NotNull(got);
        Assert.Equal("for everyone", Encoding.UTF8.GetString(got.Body.Span));
    }

    [Fact]
    public async Task Topics_and_subscriptions_survive_a_restart()
    {
        using var dir = new TempDirectory("tidings-sns");
        string topic, subscription;
        await using (var server = await TestBrokerServer.StartDurableAsync(dir.Path, withMqtt: false, withSqs: true))
        {
            using var sns = new SnsQuery(server);
            using var sqs = SqsClients.For(server);
            topic = await sns.CreateTopic("kept", ("Attributes.entry.1.key", "DisplayName"), ("Attributes.entry.1.value", "Kept"),
                ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v"));
            string url = (await sqs.CreateQueueAsync("kept-q")).QueueUrl;
            subscription = await Subscribe(sns, topic, await QueueArn(sqs, url), ("RawMessageDelivery", "true"), ("FilterPolicy", "{\"keep\":[\"yes\"]}"));
        }
        Assert.True(File.Exists(Path.Combine(dir.Path, "sns", "topics.json")));

        await using (var server = await TestBrokerServer.StartDurableAsync(dir.Path, withMqtt: false, withSqs: true))
        {
            using var sns = new SnsQuery(server);
            using var sqs = SqsClients.For(server);
            var attributes = await sns.Attributes("GetTopicAttributes", ("TopicArn", topic));
            Assert.Equal("Kept", attributes["DisplayName"]);
            Assert.Equal("1", attributes["SubscriptionsConfirmed"]);
            var subscriptionAttributes = await sns.Attributes("GetSubscriptionAttributes", ("SubscriptionArn", subscription));
            Assert.Equal("true", subscriptionAttributes["RawMessageDelivery"]);
            Assert.Equal("{\"keep\":[\"yes\"]}", subscriptionAttributes["FilterPolicy"]);
            Assert.Single((await sns.Ok("ListTagsForResource", ("ResourceArn", topic))).Element(Ns + "Tags")!.Elements(Ns + "member"));

            await Publish(sns, topic, "dropped", ("keep", "String", "no"));
            await Publish(sns, topic, "after restart", ("keep", "String", "yes"));
            string url = (await sqs.GetQueueUrlAsync("kept-q")).QueueUrl;
            var message = Assert.Single((await sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { MaxNumberOfMessages = 10, WaitTimeSeconds = 1 })).Messages);
            Assert.Equal("after restart", message.Body);
            Assert.NotNull(server.Broker.DefaultVirtualHost.FindExchange("sns:kept"));
        }
    }
}
