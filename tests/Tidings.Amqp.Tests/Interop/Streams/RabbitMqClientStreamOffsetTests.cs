using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>Every x-stream-offset form a RabbitMQ.Client consumer can give, and prefetch acting as credit.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RabbitMqClientStreamOffsetTests
{
    private static readonly Dictionary<string, object?> StreamArguments = new() { ["x-queue-type"] = "stream" };

    private static async Task<(TestBrokerServer Server, IConnection Connection)> StreamWithAsync(string name, int count)
    {
        var server = await TestBrokerServer.StartAmqpAsync();
        var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: StreamArguments);
        for (int i = 0; i < count; i++) await RabbitMq.PublishAsync(channel, "", name, $"m{i}");
        return (server, connection);
    }

    private static async Task<CollectingConsumer> ConsumeAsync(IConnection connection, string stream, object? offset, ushort prefetch = 10,
        bool ackEach = true)
    {
        var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, prefetch, false);
        var consumer = new CollectingConsumer(channel, ackEach);
        await channel.BasicConsumeAsync(stream, autoAck: false, "", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = offset }, consumer);
        return consumer;
    }

    private static long OffsetOf(ReceivedMessage message) => (long)message.Properties.Headers!["x-stream-offset"]!;

    [Theory]
    [InlineData("first", 0)]
    [InlineData("last", 9)]
    [InlineData(4L, 4)]
    [InlineData(4, 4)]
    public async Task A_consumer_starts_at_the_offset_it_names_and_each_delivery_carries_its_offset(object offset, int firstExpected)
    {
        var (server, connection) = await StreamWithAsync("offsets", 10);
        await using var _ = server;
        await using var __ = connection;
        var consumer = await ConsumeAsync(connection, "offsets", offset);
        var got = await consumer.WaitForAsync(10 - firstExpected);
        await consumer.AssertNoMoreThanAsync(10 - firstExpected);
        Assert.Equal(Enumerable.Range(firstExpected, 10 - firstExpected).Select(i => $"m{i}"), got.Select(m => m.Text));
        Assert.Equal(Enumerable.Range(firstExpected, 10 - firstExpected).Select(i => (long)i), got.Select(OffsetOf));
    }

    [Fact]
    public async Task Next_delivers_only_what_is_published_after_the_consumer_starts()
    {
        var (server, connection) = await StreamWithAsync("next", 5);
        await using var _ = server;
        await using var __ = connection;
        var consumer = await ConsumeAsync(connection, "next", "next");
        await consumer.AssertNoMoreThanAsync(0);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await RabbitMq.PublishAsync(publisher, "", "next", "after");
        var got = Assert.Single(await consumer.WaitForAsync(1));
        Assert.Equal("after", got.Text);
        Assert.Equal(5L, OffsetOf(got));
    }

    [Fact]
    public async Task A_timestamp_or_an_interval_starts_at_the_first_message_appended_since()
    {
        var (server, connection) = await StreamWithAsync("times", 3);
        await using var _ = server;
        await using var __ = connection;
        // AMQP timestamps have whole seconds: wait past the next second so "since" separates old from new.
        await Task.Delay(1100);
        var since = new AmqpTimestamp(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using (var publisher = await RabbitMq.ConfirmChannelAsync(connection))
            for (int i = 3; i < 6; i++) await RabbitMq.PublishAsync(publisher, "", "times", $"m{i}");

        var fromTimestamp = await ConsumeAsync(connection, "times", since);
        var got = await fromTimestamp.WaitForAsync(3);
        await fromTimestamp.AssertNoMoreThanAsync(3);
        Assert.Equal(["m3", "m4", "m5"], got.Select(m => m.Text));

        var fromInterval = await ConsumeAsync(connection, "times", "1h");
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"m{i}"), (await fromInterval.WaitForAsync(6)).Select(m => m.Text));
    }

    [Fact]
    public async Task Prefetch_is_credit_no_more_than_prefetch_deliveries_are_unacked_and_reads_remove_nothing()
    {
        var (server, connection) = await StreamWithAsync("credit", 20);
        await using var _ = server;
        await using var __ = connection;
        var consumer = await ConsumeAsync(connection, "credit", "first", prefetch: 3, ackEach: false);
        var got = await consumer.WaitForAsync(3);
        await consumer.AssertNoMoreThanAsync(3);
        var stream = server.Broker.DefaultVirtualHost.FindQueue("credit")!;
        Assert.Equal(3, stream.UnackedCount);
        var channel = consumer.Channel!;
        await channel.BasicAckAsync(got[^1].DeliveryTag, multiple: true);
        await consumer.WaitForAsync(6);
        await consumer.AssertNoMoreThanAsync(6);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), consumer.Messages.Select(OffsetOf));
        Assert.Equal(20, stream.MessageCount);
    }

    [Fact]
    public async Task Many_consumers_at_different_offsets_each_read_exactly_their_range_in_order()
    {
        var (server, connection) = await StreamWithAsync("many", 200);
        await using var _ = server;
        await using var __ = connection;
        var starts = new long[] { 0, 50, 100, 150, 199 };
        var consumers = await Task.WhenAll(starts.Select(s => ConsumeAsync(connection, "many", s, prefetch: 7)));
        for (int c = 0; c < starts.Length; c++)
        {
            int expected = 200 - (int)starts[c];
            var got = await consumers[c].WaitForAsync(expected);
            await consumers[c].AssertNoMoreThanAsync(expected, TimeSpan.FromMilliseconds(50));
            Assert.Equal(Enumerable.Range((int)starts[c], expected).Select(i => (long)i), got.Select(OffsetOf));
            Assert.Equal(Enumerable.Range((int)starts[c], expected).Select(i => $"m{i}"), got.Select(m => m.Text));
        }
        Assert.Equal(200, server.Broker.DefaultVirtualHost.FindQueue("many")!.MessageCount);
    }
}
