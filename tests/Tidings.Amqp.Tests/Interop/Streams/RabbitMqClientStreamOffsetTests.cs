using RabbitMQ.Client;
using Tidings.Core.Queues;
using static Tidings.Amqp.Tests.Interop.Streams.StreamTestKit;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>Every x-stream-offset form with RabbitMQ.Client, and the x-stream-offset header on each delivery.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RabbitMqClientStreamOffsetTests
{
    [Fact]
    public async Task First_starts_at_offset_0_and_every_delivery_carries_its_offset_as_a_long()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "m", 0, 30);

        var (_, consumer) = await ConsumeAsync(connection, "s", "c", 7, ackEach: true, Offset("first"));
        var got = await consumer.WaitForAsync(30);
        Assert.Equal(Range(0, 30), got.Select(OffsetOf));
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"m{i}"), got.Select(m => m.Text));
        await consumer.AssertNoMoreThanAsync(30);
    }

    [Fact]
    public async Task Next_explicit_and_by_default_only_delivers_messages_appended_after_the_consumer_started()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "old", 0, 10);

        var (_, explicitNext) = await ConsumeAsync(connection, "s", "explicit", 5, ackEach: true, Offset("next"));
        var (_, byDefault) = await ConsumeAsync(connection, "s", "default", 5, ackEach: true, null);
        await PublishAsync(publisher, "s", "new", 0, 3);

        foreach (var consumer in new[] { explicitNext, byDefault })
        {
            var got = await consumer.WaitForAsync(3);
            Assert.Equal(["new0", "new1", "new2"], got.Select(m => m.Text));
            Assert.Equal(Range(10, 13), got.Select(OffsetOf));
            await consumer.AssertNoMoreThanAsync(3, TimeSpan.FromMilliseconds(100));
        }
    }

    [Fact]
    public async Task Last_starts_at_the_newest_message_then_follows_new_ones()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "m", 0, 10);

        var (_, consumer) = await ConsumeAsync(connection, "s", "c", 5, ackEach: true, Offset("last"));
        var first = await consumer.WaitForAsync(1);
        Assert.Equal(9, OffsetOf(first[0]));
        await PublishAsync(publisher, "s", "m", 10, 2);
        var got = await consumer.WaitForAsync(3);
        Assert.Equal([9L, 10, 11], got.Select(OffsetOf));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(13L)]
    [InlineData(19L)]
    public async Task A_numeric_offset_starts_exactly_there(long start)
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "m", 0, 20);

        var (_, consumer) = await ConsumeAsync(connection, "s", "c", 4, ackEach: true, Offset(start));
        var got = await consumer.WaitForAsync((int)(20 - start));
        Assert.Equal(Range(start, 20), got.Select(OffsetOf));
        Assert.Equal(Range(start, 20).Select(i => $"m{i}"), got.Select(m => m.Text));
        await consumer.AssertNoMoreThanAsync((int)(20 - start), TimeSpan.FromMilliseconds(150));
    }

    [Fact]
    public async Task A_numeric_offset_past_the_end_waits_for_that_offset()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "m", 0, 5);

        var (_, consumer) = await ConsumeAsync(connection, "s", "c", 4, ackEach: true, Offset(5L));
        await consumer.AssertNoMoreThanAsync(0, TimeSpan.FromMilliseconds(200));
        await PublishAsync(publisher, "s", "m", 5, 2);
        var got = await consumer.WaitForAsync(2);
        Assert.Equal([5L, 6], got.Select(OffsetOf));
    }

    [Fact]
    public async Task An_AMQP_timestamp_starts_at_the_first_message_appended_in_or_after_that_second()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "before", 0, 5);
        // An AMQP timestamp has whole seconds: wait for the next second to begin before the second batch.
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        long second = now / 1000 + 1;
        await Task.Delay(TimeSpan.FromMilliseconds(second * 1000 - now + 50));
        await PublishAsync(publisher, "s", "after", 0, 5);

        var (_, consumer) = await ConsumeAsync(connection, "s", "c", 10, ackEach: true, Offset(new AmqpTimestamp(second)));
        var got = await consumer.WaitForAsync(5);
        Assert.Equal(Range(5, 10), got.Select(OffsetOf));
        Assert.All(got, m => Assert.StartsWith("after", m.Text));
        await consumer.AssertNoMoreThanAsync(5, TimeSpan.FromMilliseconds(150));

        // A timestamp before everything starts at the first message.
        var (_, early) = await ConsumeAsync(connection, "s", "early", 10, ackEach: true, Offset(new AmqpTimestamp(second - 3600)));
        Assert.Equal(Range(0, 10), (await early.WaitForAsync(10)).Select(OffsetOf));
    }

    [Fact]
    public async Task An_interval_starts_at_the_first_message_appended_within_it()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "old", 0, 4);
        await Task.Delay(TimeSpan.FromMilliseconds(2300));
        await PublishAsync(publisher, "s", "recent", 0, 3);

        var (_, lastTwoSeconds) = await ConsumeAsync(connection, "s", "recent", 10, ackEach: true, Offset("2s"));
        var got = await lastTwoSeconds.WaitForAsync(3);
        Assert.Equal(Range(4, 7), got.Select(OffsetOf));
        await lastTwoSeconds.AssertNoMoreThanAsync(3, TimeSpan.FromMilliseconds(150));

        var (_, lastHour) = await ConsumeAsync(connection, "s", "hour", 10, ackEach: true, Offset("1h"));
        Assert.Equal(Range(0, 7), (await lastHour.WaitForAsync(7)).Select(OffsetOf));
    }

    [Fact]
    public async Task Reading_removes_nothing_so_a_second_reader_from_first_gets_everything_again()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "m", 0, 25);

        var (channel, reader) = await ConsumeAsync(connection, "s", "one", 5, ackEach: true, Offset("first"));
        await reader.WaitForAsync(25);
        await channel.CloseAsync();
        var stream = (StreamQueue)server.Broker.DefaultVirtualHost.FindQueue("s")!;
        Assert.Equal(25, stream.MessageCount);
        Assert.Equal(0, stream.FirstOffset);
        var declared = await publisher.QueueDeclarePassiveAsync("s");
        Assert.Equal(25u, declared.MessageCount);

        var (_, again) = await ConsumeAsync(connection, "s", "two", 5, ackEach: true, Offset("first"));
        Assert.Equal(Range(0, 25), (await again.WaitForAsync(25)).Select(OffsetOf));
    }
}
