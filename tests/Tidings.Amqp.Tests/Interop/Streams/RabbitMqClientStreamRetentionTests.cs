using Tidings.Core.Queues;
using static Tidings.Amqp.Tests.Interop.Streams.StreamTestKit;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>Retention by size and by age, per whole segment, seen through RabbitMQ.Client.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RabbitMqClientStreamRetentionTests
{
    [Fact]
    public async Task Retention_by_size_drops_the_oldest_segments_and_a_consumer_from_first_starts_at_the_new_first_offset()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s", ("x-max-length-bytes", 4000L), ("x-stream-max-segment-size-bytes", 1000L));
        await PublishAsync(publisher, "s", "m", 0, 100, bodyPadding: 100);

        var stream = (StreamQueue)server.Broker.DefaultVirtualHost.FindQueue("s")!;
        await EventuallyAsync(() => stream.FirstOffset > 0, TimeSpan.FromSeconds(5), "retention to drop a segment");
        long first = stream.FirstOffset;
        Assert.InRange(first, 50, 99);
        // Whole segments only: at most one segment over the limit.
        Assert.InRange(stream.SizeBytes, 1, 4000 + 1000 + 200);
        Assert.Equal(100, stream.NextOffset);

        var (_, consumer) = await ConsumeAsync(connection, "s", "c", 20, ackEach: true, Offset("first"));
        var got = await consumer.WaitForAsync((int)(100 - first));
        Assert.Equal(Range(first, 100), got.Select(OffsetOf));
        Assert.StartsWith($"m{first}.", got[0].Text);
        // An offset before the first kept one starts at the first kept one.
        var (_, early) = await ConsumeAsync(connection, "s", "early", 20, ackEach: true, Offset(0L));
        Assert.Equal(first, OffsetOf((await early.WaitForAsync(1))[0]));
    }

    [Fact]
    public async Task Retention_by_age_drops_segments_older_than_x_max_age_within_a_bounded_wait()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s", ("x-max-age", "2s"), ("x-stream-max-segment-size-bytes", 500L));
        await PublishAsync(publisher, "s", "old", 0, 30, bodyPadding: 50);
        var stream = (StreamQueue)server.Broker.DefaultVirtualHost.FindQueue("s")!;
        Assert.Equal(0, stream.FirstOffset);
        await Task.Delay(TimeSpan.FromMilliseconds(1000));
        // Still young: nothing goes before two seconds.
        Assert.Equal(0, stream.FirstOffset);
        await Task.Delay(TimeSpan.FromMilliseconds(1200));
        await PublishAsync(publisher, "s", "new", 0, 10, bodyPadding: 50);

        // The segment being written is never dropped; every closed segment of old messages is.
        await EventuallyAsync(() => stream.FirstOffset >= 20, TimeSpan.FromSeconds(3), "the old segments to go");
        // A few more retention passes (every 200 ms) take any segment of old messages still left.
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        long first = stream.FirstOffset;
        var (_, consumer) = await ConsumeAsync(connection, "s", "c", 20, ackEach: true, Offset("first"));
        var got = await consumer.WaitForAsync((int)(40 - first));
        Assert.Equal(Range(first, 40), got.Select(OffsetOf));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"new{i}" + new string('.', 50)), got.TakeLast(10).Select(m => m.Text));
    }
}
