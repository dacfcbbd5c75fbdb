using Tidings.Core.Queues;
using static Tidings.Amqp.Tests.Interop.Streams.StreamTestKit;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>Positions the broker stores for a named consumer (LavinMQ's tracking over AMQP), across a reconnect, with RabbitMQ.Client.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RabbitMqClientStreamTrackingTests
{
    private static Dictionary<string, object?> Tracked(object? offset) =>
        new() { ["x-stream-offset"] = offset, ["x-stream-automatic-offset-tracking"] = true };

    [Fact]
    public async Task A_tracked_consumer_resumes_after_a_reconnect_one_past_the_highest_offset_it_acked()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var stream = await PublishTwentyAsync(server);

        await using (var connection = await RabbitMq.ConnectAsync(server))
        {
            var (channel, consumer) = await ConsumeAsync(connection, "s", "reader", 20, ackEach: false, Tracked("first"));
            var got = await consumer.WaitForAsync(20);
            // Acks up to offset 6 only; the rest are delivered but not acked when the connection goes.
            await channel.BasicAckAsync(got[6].DeliveryTag, multiple: true);
            await EventuallyAsync(() => stream.PositionOf("reader") == 7, RabbitMq.Timeout, "the position to be stored");
        }

        await using (var connection = await RabbitMq.ConnectAsync(server))
        {
            // x-stream-offset says first, but a stored position wins.
            var (_, consumer) = await ConsumeAsync(connection, "s", "reader", 20, ackEach: true, Tracked("first"));
            var got = await consumer.WaitForAsync(13);
            Assert.Equal(Range(7, 20), got.Select(OffsetOf));
            await consumer.AssertNoMoreThanAsync(13, TimeSpan.FromMilliseconds(150));
            await EventuallyAsync(() => stream.PositionOf("reader") == 20, RabbitMq.Timeout, "the position after the acks");
        }
        // Another tag has no position: it starts where its x-stream-offset says.
        await using (var connection = await RabbitMq.ConnectAsync(server))
        {
            var (_, other) = await ConsumeAsync(connection, "s", "other", 20, ackEach: true, Tracked(15L));
            Assert.Equal(Range(15, 20), (await other.WaitForAsync(5)).Select(OffsetOf));
        }
    }

    [Fact]
    public async Task A_void_x_stream_offset_tracks_from_the_first_message_then_resumes()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var stream = await PublishTwentyAsync(server);

        await using (var connection = await RabbitMq.ConnectAsync(server))
        {
            var (channel, consumer) = await ConsumeAsync(connection, "s", "void", 5, ackEach: false, Offset(null));
            var got = await consumer.WaitForAsync(5);
            Assert.Equal(Range(0, 5), got.Select(OffsetOf));
            await channel.BasicAckAsync(got[2].DeliveryTag, multiple: true);
            await EventuallyAsync(() => stream.PositionOf("void") == 3, RabbitMq.Timeout, "the position to be stored");
        }
        await using (var connection = await RabbitMq.ConnectAsync(server))
        {
            var (_, consumer) = await ConsumeAsync(connection, "s", "void", 5, ackEach: true, Offset(null));
            Assert.Equal(Range(3, 20), (await consumer.WaitForAsync(17)).Select(OffsetOf));
        }
    }

    [Fact]
    public async Task An_untracked_consumer_stores_no_position()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var stream = await PublishTwentyAsync(server);
        await using var connection = await RabbitMq.ConnectAsync(server);
        var (_, consumer) = await ConsumeAsync(connection, "s", "plain", 5, ackEach: true, Offset("first"));
        await consumer.WaitForAsync(20);
        await Task.Delay(100);
        Assert.Equal(-1, stream.PositionOf("plain"));
        Assert.Empty(stream.Positions);
    }

    private static async Task<StreamQueue> PublishTwentyAsync(TestBrokerServer server)
    {
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "m", 0, 20);
        return (StreamQueue)server.Broker.DefaultVirtualHost.FindQueue("s")!;
    }
}
