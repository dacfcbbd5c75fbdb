using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>Retention by size and by age on whole segments, confirms, and tracked positions, with RabbitMQ.Client.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RabbitMqClientStreamRetentionTests
{
    private static readonly string Body100 = new('x', 100);

    private static async Task PublishConfirmedAsync(IConnection connection, string stream, int from, int count)
    {
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        // With confirm tracking each publish returns only once the broker confirmed it.
        for (int i = from; i < from + count; i++) await RabbitMq.PublishAsync(channel, "", stream, $"{i}:{Body100}");
    }

    private static async Task<CollectingConsumer> ConsumeAsync(IConnection connection, string stream, object? offset, string tag = "",
        ushort prefetch = 50, bool ackEach = true, bool tracked = false)
    {
        var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, prefetch, false);
        var consumer = new CollectingConsumer(channel, ackEach);
        var arguments = new Dictionary<string, object?> { ["x-stream-offset"] = offset };
        if (tracked) arguments["x-stream-automatic-offset-tracking"] = true;
        await channel.BasicConsumeAsync(stream, autoAck: false, tag, noLocal: false, exclusive: false, arguments, consumer);
        return consumer;
    }

    private static long OffsetOf(ReceivedMessage message) => (long)message.Properties.Headers!["x-stream-offset"]!;

    [Fact]
    public async Task Retention_by_size_deletes_old_segments_and_a_consumer_from_first_starts_at_the_new_first()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using (var declare = await connection.CreateChannelAsync())
            await declare.QueueDeclareAsync("sized", true, false, false, new Dictionary<string, object?>
            {
                ["x-queue-type"] = "stream",
                ["x-max-length-bytes"] = 3000L,
                ["x-stream-max-segment-size-bytes"] = 1000,
            });
        await PublishConfirmedAsync(connection, "sized", 0, 100);
        var stream = (Tidings.Core.Queues.StreamQueue)server.Broker.DefaultVirtualHost.FindQueue("sized")!;
        await Eventually.TrueAsync(() => stream.FirstOffset > 0, "old segments go", TimeSpan.FromSeconds(5));
        Assert.True(stream.SizeBytes < 3000 + 1000, $"size {stream.SizeBytes} stays near x-max-length-bytes");
        long first = stream.FirstOffset;
        Assert.Equal(100 - first, stream.MessageCount);

        var consumer = await ConsumeAsync(connection, "sized", "first");
        var got = await consumer.WaitForAsync(100 - (int)first);
        Assert.Equal(first, OffsetOf(got[0]));
        Assert.Equal($"{first}:{Body100}", got[0].Text);
        Assert.Equal(99L, OffsetOf(got[^1]));
    }

    [Fact]
    public async Task Retention_by_age_deletes_segments_older_than_x_max_age()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using (var declare = await connection.CreateChannelAsync())
            await declare.QueueDeclareAsync("aged", true, false, false, new Dictionary<string, object?>
            {
                ["x-queue-type"] = "stream",
                ["x-max-age"] = "2s",
                ["x-stream-max-segment-size-bytes"] = 1000,
            });
        await PublishConfirmedAsync(connection, "aged", 0, 50);
        var stream = server.Broker.DefaultVirtualHost.FindQueue("aged")!;
        Assert.Equal(50, stream.MessageCount);
        // The segment being written is never deleted; every closed one is once it is 2 s old.
        await Eventually.TrueAsync(() => stream.MessageCount is > 0 and < 20, "segments older than 2 s go", TimeSpan.FromSeconds(8));
    }

    [Fact]
    public async Task A_tracked_consumer_resumes_after_its_last_ack_when_it_reconnects_with_the_same_tag()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using (var setup = await RabbitMq.ConnectAsync(server))
        {
            await using var declare = await setup.CreateChannelAsync();
            await declare.QueueDeclareAsync("tracked", true, false, false, new Dictionary<string, object?> { ["x-queue-type"] = "stream" });
            await PublishConfirmedAsync(setup, "tracked", 0, 10);
        }
        await using (var first = await RabbitMq.ConnectAsync(server))
        {
            var reader = await ConsumeAsync(first, "tracked", "first", tag: "reader", prefetch: 4, ackEach: false, tracked: true);
            var got = await reader.WaitForAsync(4);
            await reader.Channel.BasicAckAsync(got[3].DeliveryTag, multiple: true);
            await reader.WaitForAsync(8);
            // Offsets 4..7 were delivered but never acked: they are read again.
        }
        await using var second = await RabbitMq.ConnectAsync(server);
        var resumed = await ConsumeAsync(second, "tracked", "first", tag: "reader", tracked: true);
        var again = await resumed.WaitForAsync(6);
        await resumed.AssertNoMoreThanAsync(6);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => (long)i), again.Select(OffsetOf));
        Assert.Equal(10, server.Broker.DefaultVirtualHost.FindQueue("tracked")!.MessageCount);
    }
}
