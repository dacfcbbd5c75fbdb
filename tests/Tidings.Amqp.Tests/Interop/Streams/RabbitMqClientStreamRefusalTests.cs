using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>What RabbitMQ refuses on a stream over AMQP, with its reply codes and words, as RabbitMQ.Client sees them.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RabbitMqClientStreamRefusalTests
{
    private static Dictionary<string, object?> Stream(params (string Key, object? Value)[] more)
    {
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "stream" };
        foreach (var (key, value) in more) arguments[key] = value;
        return arguments;
    }

    [Theory]
    [InlineData(true, false, true, "PRECONDITION_FAILED - invalid property 'exclusive-owner' for queue 's' in vhost '/'")]
    [InlineData(false, true, true, "PRECONDITION_FAILED - invalid property 'auto-delete' for queue 's' in vhost '/'")]
    [InlineData(false, false, false, "PRECONDITION_FAILED - invalid property 'non-durable' for queue 's' in vhost '/'")]
    public async Task A_stream_that_is_exclusive_auto_delete_or_transient_is_refused_with_406(bool exclusive, bool autoDelete, bool durable, string text)
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclareAsync("s", durable, exclusive, autoDelete, Stream()), 406, text);
        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("s"));
    }

    [Theory]
    [InlineData("x-message-ttl")]
    [InlineData("x-max-length")]
    [InlineData("x-dead-letter-exchange")]
    [InlineData("x-max-priority")]
    public async Task A_classic_queue_argument_on_a_stream_is_refused_with_406(string argument)
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        object value = argument == "x-dead-letter-exchange" ? "dlx" : 10;
        await RabbitMq.AssertRefusedAsync(() => channel.QueueDeclareAsync("s", true, false, false, Stream((argument, value))), 406,
            $"PRECONDITION_FAILED - invalid arg '{argument}' for queue 's' in vhost '/' of queue type stream");
    }

    private static async Task<(TestBrokerServer, IConnection, IChannel)> DeclaredAsync()
    {
        var server = await TestBrokerServer.StartAmqpAsync();
        var connection = await RabbitMq.ConnectAsync(server);
        var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("s", true, false, false, Stream());
        return (server, connection, channel);
    }

    [Fact]
    public async Task Basic_get_on_a_stream_closes_the_connection_with_540()
    {
        var (server, connection, channel) = await DeclaredAsync();
        await using var _ = server;
        await using var __ = connection;
        await RabbitMq.AssertRefusedAsync(() => channel.BasicGetAsync("s", autoAck: false), 540,
            "NOT_IMPLEMENTED - basic.get not supported by stream queues queue 's' in vhost '/'");
        await Eventually.TrueAsync(() => !connection.IsOpen, "540 is a connection error");
    }

    [Fact]
    public async Task A_no_ack_consumer_on_a_stream_is_refused_with_540()
    {
        var (server, connection, channel) = await DeclaredAsync();
        await using var _ = server;
        await using var __ = connection;
        await channel.BasicQosAsync(0, 10, false);
        await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync("s", autoAck: true, new CollectingConsumer(channel)), 540,
            "NOT_IMPLEMENTED - automatic acknowledgement not supported by stream queues queue 's' in vhost '/'");
    }

    [Fact]
    public async Task A_consumer_without_prefetch_is_refused_with_406()
    {
        var (server, connection, channel) = await DeclaredAsync();
        await using var _ = server;
        await using var __ = connection;
        await RabbitMq.AssertRefusedAsync(() => channel.BasicConsumeAsync("s", autoAck: false, new CollectingConsumer(channel)), 406,
            "PRECONDITION_FAILED - consumer prefetch count is not set for queue 's' in vhost '/'");
    }

    [Fact]
    public async Task Purging_a_stream_is_refused_with_406_and_keeps_every_message()
    {
        var (server, connection, channel) = await DeclaredAsync();
        await using var _ = server;
        await using var __ = connection;
        await using (var publisher = await RabbitMq.ConfirmChannelAsync(connection))
            for (int i = 0; i < 3; i++) await RabbitMq.PublishAsync(publisher, "", "s", $"m{i}");
        await RabbitMq.AssertRefusedAsync(() => channel.QueuePurgeAsync("s"), 406,
            "PRECONDITION_FAILED - purge not supported by stream queues queue 's' in vhost '/'");
        Assert.Equal(3, server.Broker.DefaultVirtualHost.FindQueue("s")!.MessageCount);
    }
}
