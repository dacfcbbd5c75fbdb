using System.Text;
using Amazon.SQS;
using Amazon.SQS.Model;
using RabbitMQ.Client;
using Tidings.Testing;
using SqsMessageAttribute = Amazon.SQS.Model.MessageAttributeValue;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>SQS queues are broker queues: AMQP clients publish to and consume from them (docs/MESSAGES.md, SQS column).</summary>
public sealed class CrossProtocolTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;
    private AmazonSQSClient _sqs = null!;
    private IConnection _amqp = null!;

    public async Task InitializeAsync()
    {
        _server = await TestBrokerServer.StartWithSqsAsync();
        _sqs = SqsClients.For(_server);
        _amqp = await new ConnectionFactory { Port = _server.AmqpPort }.CreateConnectionAsync();
    }

    public async Task DisposeAsync()
    {
        await _amqp.DisposeAsync();
        _sqs.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task An_SQS_message_is_consumed_over_AMQP_with_its_attributes_as_headers()
    {
        var url = (await _sqs.CreateQueueAsync("to-amqp")).QueueUrl;
        var sent = await _sqs.SendMessageAsync(new SendMessageRequest(url, "from sqs")
        {
            MessageAttributes = new()
            {
                ["client"] = new SqsMessageAttribute { DataType = "String", StringValue = "alice" },
                ["n"] = new SqsMessageAttribute { DataType = "Number", StringValue = "7" },
                ["raw"] = new SqsMessageAttribute { DataType = "Binary", BinaryValue = new MemoryStream([1, 2]) },
            },
        });
        await using var channel = await _amqp.CreateChannelAsync();
        var got = await channel.BasicGetAsync("to-amqp", autoAck: true);
        Assert.NotNull(got);
        Assert.Equal("from sqs", Encoding.UTF8.GetString(got.Body.Span));
        Assert.Equal(sent.MessageId, got.BasicProperties.MessageId);
        Assert.Equal(DeliveryModes.Persistent, got.BasicProperties.DeliveryMode);
        var headers = got.BasicProperties.Headers!;
        Assert.Equal("alice", Encoding.UTF8.GetString((byte[])headers["client"]!));
        Assert.Equal("7", Encoding.UTF8.GetString((byte[])headers["n"]!));
        // A Binary attribute is an AMQP byte array ('x'), which RabbitMQ.Client reads as a BinaryTableValue.
        Assert.Equal([1, 2], ((BinaryTableValue)headers["raw"]!).Bytes);
    }

    [Fact]
    public async Task An_AMQP_message_is_received_over_SQS_with_text_and_number_headers_as_attributes()
    {
        var url = (await _sqs.CreateQueueAsync("from-amqp")).QueueUrl;
        await using var channel = await _amqp.CreateChannelAsync();
        var properties = new BasicProperties
        {
            MessageId = "amqp-1",
            Headers = new Dictionary<string, object?> { ["client"] = "bob", ["count"] = 3, ["x-death-like"] = "kept" },
        };
        await channel.BasicPublishAsync("", "from-amqp", mandatory: false, properties, Encoding.UTF8.GetBytes("from amqp"));
        var received = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { WaitTimeSeconds = 5, MessageAttributeNames = ["All"] });
        var message = Assert.Single(received.Messages);
        Assert.Equal("amqp-1", message.MessageId);
        Assert.Equal("from amqp", message.Body);
        Assert.Equal("bob", message.MessageAttributes["client"].StringValue);
        Assert.Equal("String", message.MessageAttributes["client"].DataType);
        Assert.Equal("3", message.MessageAttributes["count"].StringValue);
        Assert.Equal("Number", message.MessageAttributes["count"].DataType);
        await _sqs.DeleteMessageAsync(url, message.ReceiptHandle);
    }

    [Fact]
    public async Task A_binary_AMQP_body_reaches_SQS_base64_encoded_and_says_so()
    {
        var url = (await _sqs.CreateQueueAsync("binary-body")).QueueUrl;
        await using var channel = await _amqp.CreateChannelAsync();
        byte[] body = [0xFF, 0x00, 0x10, 0x20];
        await channel.BasicPublishAsync("", "binary-body", body);
        var received = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest(url) { WaitTimeSeconds = 5, MessageAttributeNames = ["All"] });
        var message = Assert.Single(received.Messages);
        Assert.Equal(body, Convert.FromBase64String(message.Body));
        Assert.Equal("base64", message.MessageAttributes["tidings-body-encoding"].StringValue);
    }

    [Fact]
    public async Task A_queue_declared_over_AMQP_is_an_SQS_standard_queue_and_SQS_queues_show_in_the_broker()
    {
        await using var channel = await _amqp.CreateChannelAsync();
        await channel.QueueDeclareAsync("declared-over-amqp", durable: true, exclusive: false, autoDelete: false);
        var url = (await _sqs.GetQueueUrlAsync("declared-over-amqp")).QueueUrl;
        var attributes = (await _sqs.GetQueueAttributesAsync(url, ["All"])).Attributes;
        Assert.Equal("30", attributes["VisibilityTimeout"]);
        Assert.False(attributes.ContainsKey("FifoQueue"));

        await _sqs.CreateQueueAsync(new CreateQueueRequest("made-over-sqs.fifo") { Attributes = new() { ["FifoQueue"] = "true" } });
        var declared = await channel.QueueDeclarePassiveAsync("made-over-sqs.fifo");
        Assert.Equal(0u, declared.MessageCount);
    }
}
