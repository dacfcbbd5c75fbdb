using RabbitMQ.Client;
using static Tidings.Amqp.Tests.Interop.Streams.StreamTestKit;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>What RabbitMQ refuses on a stream, refused with its reply code and text, seen from RabbitMQ.Client.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RabbitMqClientStreamRefusalTests
{
    private static Dictionary<string, object?> Stream(string? key = null, object? value = null)
    {
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "stream" };
        if (key is not null) arguments[key] = value;
        return arguments;
    }

    [Theory]
    [InlineData(true, false, true, "invalid property 'exclusive-owner' for queue 's' in vhost '/'")]
    [InlineData(true, true, false, "invalid property 'auto-delete' for queue 's' in vhost '/'")]
    [InlineData(false, false, false, "invalid property 'non-durable' for queue 's' in vhost '/'")]
    public async Task A_stream_that_is_exclusive_auto_delete_or_transient_is_refused_with_406_and_not_created(
        bool durable, bool autoDelete, bool exclusive, string text)
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclareAsync("s", durable, exclusive, autoDelete, Stream()), 406,
            "PRECONDITION_FAILED - " + text);
        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("s"));
        Assert.True(connection.IsOpen);
    }

    [Theory]
    [InlineData("x-max-length", 10)]
    [InlineData("x-message-ttl", 1000)]
    [InlineData("x-dead-letter-exchange", "dlx")]
    [InlineData("x-max-priority", 5)]
    public async Task A_classic_queue_argument_on_a_stream_is_refused_with_406(string key, object value)
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclareAsync("s", true, false, false, Stream(key, value)), 406,
            $"PRECONDITION_FAILED - invalid arg '{key}' for queue 's' in vhost '/' of queue type stream");
        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("s"));
    }

    [Fact]
    public async Task Basic_get_on_a_stream_closes_the_connection_with_540()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(channel, "s");
        await PublishAsync(channel, "s", "m", 0, 3);

        await RabbitMq.AssertRefusedAsync(() => channel.BasicGetAsync("s", autoAck: false), 540,
            "NOT_IMPLEMENTED - basic.get not supported by stream queues queue 's' in vhost '/'");
        await EventuallyAsync(() => !connection.IsOpen, RabbitMq.Timeout, "the connection to close");
        Assert.Equal(540, connection.CloseReason!.ReplyCode);
        Assert.Equal(3, server.Broker.DefaultVirtualHost.FindQueue("s")!.MessageCount);
    }

    [Fact]
    public async Task Consuming_with_automatic_acks_closes_the_connection_with_540()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await DeclareAsync(channel, "s");
        await channel.BasicQosAsync(0, 10, false);

        await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync("s", autoAck: true, new CollectingConsumer(channel)), 540,
            "NOT_IMPLEMENTED - automatic acknowledgement not supported by stream queues queue 's' in vhost '/'");
        await EventuallyAsync(() => !connection.IsOpen, RabbitMq.Timeout, "the connection to close");
    }

    [Fact]
    public async Task Consuming_without_a_prefetch_is_refused_with_406()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await DeclareAsync(channel, "s");

        await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync("s", autoAck: false, new CollectingConsumer(channel)), 406,
            "PRECONDITION_FAILED - consumer prefetch count is not set for queue 's' in vhost '/'");
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task Consuming_with_only_a_global_prefetch_closes_the_connection_with_540()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await DeclareAsync(channel, "s");
        await channel.BasicQosAsync(0, 10, global: true);

        await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync("s", autoAck: false, new CollectingConsumer(channel)), 540,
            "NOT_IMPLEMENTED - queue 's' in vhost '/' does not support global qos");
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData(-1L)]
    public async Task An_x_stream_offset_RabbitMQ_would_not_take_is_refused_with_406(object value)
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await DeclareAsync(channel, "s");
        await channel.BasicQosAsync(0, 10, false);

        var reason = await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync("s", false, "c", false, false, Offset(value),
            new CollectingConsumer(channel)), 406);
        Assert.StartsWith("PRECONDITION_FAILED - invalid arg 'x-stream-offset' for consumer", reason.ReplyText);
    }

    [Fact]
    public async Task Purging_a_stream_is_refused_with_406_and_removes_nothing()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(channel, "s");
        await PublishAsync(channel, "s", "m", 0, 4);

        await RabbitMq.AssertRefusedAsync(() => channel.QueuePurgeAsync("s"), 406,
            "PRECONDITION_FAILED - purge not supported by stream queues queue 's' in vhost '/'");
        Assert.Equal(4, server.Broker.DefaultVirtualHost.FindQueue("s")!.MessageCount);
    }
}
