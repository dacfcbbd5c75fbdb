using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>The stream queue end to end with RabbitMQ.Client, as RabbitMQ's stream docs use it over AMQP.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RabbitMqClientStreamSmokeTests
{
    private static readonly Dictionary<string, object?> StreamArguments = new() { ["x-queue-type"] = "stream" };

    [Fact]
    public async Task A_stream_keeps_every_message_for_consumers_starting_first_and_next_each_with_its_offset()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        await channel.QueueDeclareAsync("events", durable: true, exclusive: false, autoDelete: false, arguments: StreamArguments);
        for (int i = 0; i < 20; i++) await RabbitMq.PublishAsync(channel, "", "events", $"m{i}");

        await using var reader = await connection.CreateChannelAsync();
        await reader.BasicQosAsync(0, 5, false);
        var first = new CollectingConsumer(reader, ackEach: true);
        await reader.BasicConsumeAsync("events", autoAck: false, "first", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, first);
        var got = await first.WaitForAsync(20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}"), got.Select(m => m.Text));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), got.Select(m => (long)m.Properties.Headers!["x-stream-offset"]!));

        var next = new CollectingConsumer(reader, ackEach: true);
        await reader.BasicConsumeAsync("events", autoAck: false, "next", noLocal: false, exclusive: false, null, next);
        await RabbitMq.PublishAsync(channel, "", "events", "late");
        var late = await next.WaitForAsync(1);
        Assert.Equal("late", late.Single().Text);
        await first.WaitForAsync(21);
        Assert.Equal(21, server.Broker.DefaultVirtualHost.FindQueue("events")!.MessageCount);
    }
}
