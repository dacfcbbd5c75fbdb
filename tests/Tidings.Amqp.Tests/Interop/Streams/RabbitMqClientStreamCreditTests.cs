using System.Collections.Concurrent;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Tidings.Core.Queues;
using static Tidings.Amqp.Tests.Interop.Streams.StreamTestKit;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>Prefetch as credit, many consumers at different offsets, and confirms, with RabbitMQ.Client.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RabbitMqClientStreamCreditTests
{
    [Fact]
    public async Task Prefetch_is_credit_no_more_than_prefetch_unacked_deliveries_are_ever_out()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "m", 0, 20);

        var (channel, consumer) = await ConsumeAsync(connection, "s", "c", 3, ackEach: false, Offset("first"));
        await consumer.WaitForAsync(3);
        await consumer.AssertNoMoreThanAsync(3);
        var stream = (StreamQueue)server.Broker.DefaultVirtualHost.FindQueue("s")!;
        Assert.Equal(3, stream.UnackedCount);

        // One ack, one more delivery.
        await channel.BasicAckAsync(consumer.Messages[0].DeliveryTag, multiple: false);
        await consumer.WaitForAsync(4);
        await consumer.AssertNoMoreThanAsync(4);
        // A multiple ack of everything out returns all three credits.
        await channel.BasicAckAsync(consumer.Messages[3].DeliveryTag, multiple: true);
        await consumer.WaitForAsync(7);
        await consumer.AssertNoMoreThanAsync(7);
        // A nack returns the credit too, and the message is not redelivered.
        await channel.BasicNackAsync(consumer.Messages[6].DeliveryTag, multiple: true, requeue: true);
        var got = await consumer.WaitForAsync(10);
        await consumer.AssertNoMoreThanAsync(10);
        Assert.Equal(Range(0, 10), got.Select(OffsetOf));
        Assert.All(got, m => Assert.False(m.Redelivered));
        Assert.Equal(20, stream.MessageCount);
    }

    [Fact]
    public async Task Outstanding_unacked_never_exceeds_prefetch_while_a_slow_consumer_acks_as_it_goes()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "m", 0, 60);

        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 4, false);
        int outstanding = 0, maxOutstanding = 0, received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var offsets = new ConcurrentQueue<long>();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, ea) =>
        {
            int now = Interlocked.Increment(ref outstanding);
            InterlockedMax(ref maxOutstanding, now);
            offsets.Enqueue((long)ea.BasicProperties.Headers!["x-stream-offset"]!);
            await Task.Delay(2);
            Interlocked.Decrement(ref outstanding);
            await channel.BasicAckAsync(ea.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref received) == 60) done.TrySetResult();
        };
        await channel.BasicConsumeAsync("s", autoAck: false, "slow", noLocal: false, exclusive: false, Offset("first"), consumer);
        // The broker's own count is the check that matters: sample it while the consumer works.
        var stream = (StreamQueue)server.Broker.DefaultVirtualHost.FindQueue("s")!;
        int brokerMax = 0;
        var deadline = DateTime.UtcNow + RabbitMq.Timeout;
        while (!done.Task.IsCompleted && DateTime.UtcNow < deadline)
        {
            brokerMax = Math.Max(brokerMax, stream.UnackedCount);
            await Task.WhenAny(done.Task, Task.Delay(1));
        }
        await done.Task.WaitAsync(RabbitMq.Timeout);
        Assert.InRange(brokerMax, 1, 4);
        Assert.InRange(maxOutstanding, 1, 4);
        Assert.Equal(Range(0, 60), offsets);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
    }

    [Fact]
    public async Task Ten_consumers_at_different_offsets_each_get_exactly_their_range_in_order_while_publishing_goes_on()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");
        await PublishAsync(publisher, "s", "m", 0, 100);

        var consumers = new List<(long Start, CollectingConsumer Consumer)>();
        for (int i = 0; i < 10; i++)
        {
            long start = i * 10;
            var (_, consumer) = await ConsumeAsync(connection, "s", $"c{i}", (ushort)(3 + i), ackEach: true, Offset(start));
            consumers.Add((start, consumer));
        }
        // More appends while the ten read, from another connection.
        await using (var second = await RabbitMq.ConnectAsync(server))
        await using (var more = await RabbitMq.ConfirmChannelAsync(second))
            await PublishAsync(more, "s", "m", 100, 100);

        await Task.WhenAll(consumers.Select(async c =>
        {
            var got = await c.Consumer.WaitForAsync((int)(200 - c.Start));
            Assert.Equal(Range(c.Start, 200), got.Select(OffsetOf));
            Assert.Equal(Range(c.Start, 200).Select(i => $"m{i}"), got.Select(m => m.Text));
        }));
        foreach (var (start, consumer) in consumers) await consumer.AssertNoMoreThanAsync((int)(200 - start), TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public async Task Every_publish_is_confirmed_and_gets_its_own_offset_in_publish_order()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var publisher = await RabbitMq.ConfirmChannelAsync(connection);
        await DeclareAsync(publisher, "s");

        // Many in flight at once; each task completes only on the broker's ack (a nack throws).
        var publishes = Enumerable.Range(0, 500)
            .Select(i => publisher.BasicPublishAsync("", "s", mandatory: true, new BasicProperties(), Encoding.UTF8.GetBytes($"m{i}")).AsTask())
            .ToList();
        await Task.WhenAll(publishes).WaitAsync(RabbitMq.Timeout);
        Assert.Equal(500, server.Broker.DefaultVirtualHost.FindQueue("s")!.MessageCount);

        var (_, consumer) = await ConsumeAsync(connection, "s", "c", 50, ackEach: true, Offset("first"));
        var got = await consumer.WaitForAsync(500);
        Assert.Equal(Range(0, 500), got.Select(OffsetOf));
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"m{i}"), got.Select(m => m.Text));
    }
}
