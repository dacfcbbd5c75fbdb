using System.Text;
using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>Push consumers, prefetch, settlement (ack, nack, reject), basic.get and consumer extensions.</summary>
public sealed class RabbitMqClientConsumerTests
{
    [Fact]
    public async Task Per_consumer_prefetch_limits_each_consumer_separately()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string q1 = await RabbitMq.TempQueueAsync(channel);
        string q2 = await RabbitMq.TempQueueAsync(channel);
        for (int i = 0; i < 10; i++)
        {
            await RabbitMq.PublishAsync(channel, "", q1, $"a{i}");
            await RabbitMq.PublishAsync(channel, "", q2, $"b{i}");
        }

        await channel.BasicQosAsync(0, 3, global: false);
        var c1 = new CollectingConsumer(channel);
        var c2 = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(q1, autoAck: false, c1);
        await channel.BasicConsumeAsync(q2, autoAck: false, c2);

        await c1.WaitForAsync(3);
        await c2.WaitForAsync(3);
        await c1.AssertNoMoreThanAsync(3);
        Assert.Equal(3, c2.Count);
        // Acking one frees exactly one slot of that consumer.
        await channel.BasicAckAsync(c1.Messages[0].DeliveryTag, false);
        await c1.WaitForAsync(4);
        await c1.AssertNoMoreThanAsync(4);
        Assert.Equal(3, c2.Count);
    }

    [Fact]
    public async Task Global_prefetch_is_shared_by_all_consumers_of_the_channel()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string q1 = await RabbitMq.TempQueueAsync(channel);
        string q2 = await RabbitMq.TempQueueAsync(channel);
        for (int i = 0; i < 10; i++)
        {
            await RabbitMq.PublishAsync(channel, "", q1, $"a{i}");
            await RabbitMq.PublishAsync(channel, "", q2, $"b{i}");
        }

        await channel.BasicQosAsync(0, 4, global: true);
        var c1 = new CollectingConsumer(channel);
        var c2 = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(q1, autoAck: false, c1);
        await channel.BasicConsumeAsync(q2, autoAck: false, c2);

        await Eventually.TrueAsync(() => c1.Count + c2.Count == 4, "the channel should get 4 deliveries in total");
        await Task.Delay(300);
        Assert.Equal(4, c1.Count + c2.Count);
    }

    [Fact]
    public async Task Prefetch_set_after_a_consumer_started_applies_to_later_consumers_only()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string q1 = await RabbitMq.TempQueueAsync(channel);
        string q2 = await RabbitMq.TempQueueAsync(channel);
        for (int i = 0; i < 10; i++)
        {
            await RabbitMq.PublishAsync(channel, "", q1, $"a{i}");
            await RabbitMq.PublishAsync(channel, "", q2, $"b{i}");
        }

        var unlimited = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(q1, autoAck: false, unlimited);
        await channel.BasicQosAsync(0, 2, global: false);
        var limited = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(q2, autoAck: false, limited);

        await unlimited.WaitForAsync(10);
        await limited.WaitForAsync(2);
        await limited.AssertNoMoreThanAsync(2);
    }

    [Fact]
    public async Task Multiple_ack_settles_every_delivery_up_to_the_tag()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        string queue;
        await using (var channel = await connection.CreateChannelAsync())
        {
            queue = await RabbitMq.TempQueueAsync(channel);
            for (int i = 0; i < 10; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");
            var consumer = new CollectingConsumer(channel);
            await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
            var got = await consumer.WaitForAsync(10);

            await channel.BasicAckAsync(got[6].DeliveryTag, multiple: true);
            await channel.CloseAsync();
        }

        // Closing the channel requeued only what was not acked: m7, m8, m9.
        await using var check = await connection.CreateChannelAsync();
        var rest = new List<string>();
        while (await check.BasicGetAsync(queue, autoAck: true) is { } r) rest.Add(Encoding.UTF8.GetString(r.Body.Span));
        Assert.Equal(["m7", "m8", "m9"], rest);
    }

    [Fact]
    public async Task Nack_with_requeue_redelivers_with_the_redelivered_flag()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        await RabbitMq.PublishAsync(channel, "", queue, "retry me");
        var consumer = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        var first = (await consumer.WaitForAsync(1))[0];

        await channel.BasicNackAsync(first.DeliveryTag, multiple: false, requeue: true);
        var second = (await consumer.WaitForAsync(2))[1];

        Assert.False(first.Redelivered);
        Assert.True(second.Redelivered);
        Assert.Equal("retry me", second.Text);
        Assert.NotEqual(first.DeliveryTag, second.DeliveryTag);
    }

    [Fact]
    public async Task Multiple_nack_with_requeue_puts_messages_back_in_their_original_order()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        for (int i = 0; i < 5; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");
        var tags = new List<ulong>();
        for (int i = 0; i < 5; i++) tags.Add((await channel.BasicGetAsync(queue, autoAck: false))!.DeliveryTag);

        await channel.BasicNackAsync(tags[^1], multiple: true, requeue: true);

        var again = new List<(string, bool)>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } r) again.Add((Encoding.UTF8.GetString(r.Body.Span), r.Redelivered));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => ($"m{i}", true)), again);
    }

    [Fact]
    public async Task Nack_without_requeue_drops_the_message()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        await RabbitMq.PublishAsync(channel, "", queue, "bad");
        var got = await channel.BasicGetAsync(queue, autoAck: false);

        await channel.BasicNackAsync(got!.DeliveryTag, false, requeue: false);
        await channel.CloseAsync();

        await using var check = await connection.CreateChannelAsync();
        Assert.Equal(0u, await check.MessageCountAsync(queue));
    }

    [Fact]
    public async Task Reject_with_requeue_redelivers_and_reject_without_requeue_drops()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        await RabbitMq.PublishAsync(channel, "", queue, "once more");

        var first = await channel.BasicGetAsync(queue, autoAck: false);
        await channel.BasicRejectAsync(first!.DeliveryTag, requeue: true);
        var second = await channel.BasicGetAsync(queue, autoAck: false);
        await channel.BasicRejectAsync(second!.DeliveryTag, requeue: false);

        Assert.False(first.Redelivered);
        Assert.True(second.Redelivered);
        Assert.Null(await channel.BasicGetAsync(queue, autoAck: false));
    }

    [Fact]
    public async Task Basic_get_reports_the_messages_left_and_null_when_empty()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        for (int i = 0; i < 3; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");

        var a = await channel.BasicGetAsync(queue, autoAck: false);
        var b = await channel.BasicGetAsync(queue, autoAck: true);
        var c = await channel.BasicGetAsync(queue, autoAck: true);
        var empty = await channel.BasicGetAsync(queue, autoAck: true);

        Assert.Equal((2u, "m0", "", queue), (a!.MessageCount, Encoding.UTF8.GetString(a.Body.Span), a.Exchange, a.RoutingKey));
        Assert.Equal((1u, "m1"), (b!.MessageCount, Encoding.UTF8.GetString(b.Body.Span)));
        Assert.Equal((0u, "m2"), (c!.MessageCount, Encoding.UTF8.GetString(c.Body.Span)));
        Assert.Null(empty);
        Assert.True(b.DeliveryTag > a.DeliveryTag);
        await channel.BasicAckAsync(a.DeliveryTag, false);
    }

    [Fact]
    public async Task Cancelled_consumer_gets_nothing_more_and_messages_stay_queued()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var consumer = new CollectingConsumer(channel);
        string tag = await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        await RabbitMq.PublishAsync(channel, "", queue, "before");
        await consumer.WaitForAsync(1);

        await channel.BasicCancelAsync(tag);
        for (int i = 0; i < 3; i++) await RabbitMq.PublishAsync(channel, "", queue, "after");

        await consumer.AssertNoMoreThanAsync(1);
        Assert.Equal(3u, await channel.MessageCountAsync(queue));
        Assert.Equal(0u, await channel.ConsumerCountAsync(queue));
        Assert.False(consumer.IsRunning);
    }

    [Fact]
    public async Task Server_generated_consumer_tags_start_with_amq_ctag()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);

        string tag = await channel.BasicConsumeAsync(queue, autoAck: true, new CollectingConsumer(channel));

        Assert.StartsWith("amq.ctag-", tag);
    }

    [Fact]
    public async Task Deleting_the_queue_notifies_its_consumer_with_basic_cancel()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var consumer = new CollectingConsumer(channel);
        var unregistered = new TaskCompletionSource<string[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        consumer.UnregisteredAsync += (_, ea) => { unregistered.TrySetResult(ea.ConsumerTags); return Task.CompletedTask; };
        string tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);

        await using (var admin = await connection.CreateChannelAsync())
            await admin.QueueDeleteAsync(queue);

        Assert.Equal(tag, await consumer.CancelledByBroker.WaitAsync(RabbitMq.Timeout));
        Assert.Equal([tag], await unregistered.Task.WaitAsync(RabbitMq.Timeout));
        Assert.True(channel.IsOpen);
        // Cancelling the already-gone consumer is answered normally (the race RabbitMQ documents).
        await channel.BasicCancelAsync(tag);
        Assert.True(channel.IsOpen);
    }

    [Fact]
    public async Task An_exclusive_consumer_keeps_other_consumers_out_with_403()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var owner = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(owner);
        await owner.BasicConsumeAsync(queue, autoAck: true, consumerTag: "solo", noLocal: false, exclusive: true,
            arguments: null, consumer: new CollectingConsumer(owner));
        await using var other = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => other.BasicConsumeAsync(queue, true, new CollectingConsumer(other)), 403,
            $"ACCESS_REFUSED - queue '{queue}' in vhost '/' in exclusive use");
        Assert.True(connection.IsOpen);
    }

    [Fact]
    public async Task An_exclusive_consume_is_refused_while_the_queue_has_a_consumer()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var first = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(first);
        await first.BasicConsumeAsync(queue, true, new CollectingConsumer(first));
        await using var second = await connection.CreateChannelAsync();

        await RabbitMq.AssertRefusedAsync(() => second.BasicConsumeAsync(queue, autoAck: true, consumerTag: "", noLocal: false,
            exclusive: true, arguments: null, consumer: new CollectingConsumer(second)), 403,
            $"ACCESS_REFUSED - queue '{queue}' in vhost '/' in exclusive use");
    }

    [Fact]
    public async Task Consumers_of_equal_priority_share_messages_round_robin()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var a = new CollectingConsumer(channel);
        var b = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, true, a);
        await channel.BasicConsumeAsync(queue, true, b);

        for (int i = 0; i < 10; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");

        await Eventually.TrueAsync(() => a.Count + b.Count == 10, "all 10 should be delivered");
        Assert.Equal(5, a.Count);
        Assert.Equal(5, b.Count);
    }

    [Fact]
    public async Task A_higher_x_priority_consumer_gets_messages_while_it_has_credit()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        await channel.BasicQosAsync(0, 5, global: false);
        var low = new CollectingConsumer(channel);
        var high = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, false, "low", false, false, new Dictionary<string, object?> { ["x-priority"] = 1 }, low);
        await channel.BasicConsumeAsync(queue, false, "high", false, false, new Dictionary<string, object?> { ["x-priority"] = 10 }, high);

        for (int i = 0; i < 8; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");

        // The high-priority consumer fills its prefetch of 5 first; only the overflow goes to the other.
        await high.WaitForAsync(5);
        await low.WaitForAsync(3);
        Assert.Equal(["m0", "m1", "m2", "m3", "m4"], high.Messages.Select(m => m.Text));
        Assert.Equal(["m5", "m6", "m7"], low.Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task Single_active_consumer_delivers_to_one_consumer_and_fails_over_on_cancel()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel, new Dictionary<string, object?> { ["x-single-active-consumer"] = true });
        var first = new CollectingConsumer(channel);
        var second = new CollectingConsumer(channel);
        string firstTag = await channel.BasicConsumeAsync(queue, true, first);
        await channel.BasicConsumeAsync(queue, true, second);

        for (int i = 0; i < 5; i++) await RabbitMq.PublishAsync(channel, "", queue, $"a{i}");
        await first.WaitForAsync(5);
        await channel.BasicCancelAsync(firstTag);
        for (int i = 0; i < 5; i++) await RabbitMq.PublishAsync(channel, "", queue, $"b{i}");
        await second.WaitForAsync(5);

        Assert.Equal(5, first.Count);
        Assert.All(second.Messages, m => Assert.StartsWith("b", m.Text));
    }

    [Fact]
    public async Task Closing_a_channel_requeues_its_unacked_deliveries_as_redelivered()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        for (int i = 0; i < 3; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");
        var consumer = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        await consumer.WaitForAsync(3);

        await channel.CloseAsync();
        await channel.DisposeAsync();

        await using var other = await connection.CreateChannelAsync();
        var again = new List<(string, bool)>();
        while (await other.BasicGetAsync(queue, autoAck: true) is { } r) again.Add((Encoding.UTF8.GetString(r.Body.Span), r.Redelivered));
        Assert.Equal([("m0", true), ("m1", true), ("m2", true)], again);
    }

    [Fact]
    public async Task Closing_the_connection_requeues_unacked_deliveries_for_other_consumers()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var survivor = await RabbitMq.ConnectAsync(server);
        await using var survivorChannel = await survivor.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(survivorChannel);
        var doomed = await RabbitMq.ConnectAsync(server);
        var doomedChannel = await doomed.CreateChannelAsync();
        var doomedConsumer = new CollectingConsumer(doomedChannel);
        await doomedChannel.BasicConsumeAsync(queue, autoAck: false, doomedConsumer);
        await RabbitMq.PublishAsync(survivorChannel, "", queue, "work");
        await doomedConsumer.WaitForAsync(1);

        var consumer = new CollectingConsumer(survivorChannel);
        await survivorChannel.BasicConsumeAsync(queue, autoAck: true, consumer);
        await doomed.CloseAsync();
        await doomed.DisposeAsync();

        var got = (await consumer.WaitForAsync(1))[0];
        Assert.Equal(("work", true), (got.Text, got.Redelivered));
    }

    [Fact]
    public async Task No_ack_consumer_messages_are_gone_once_delivered()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var consumer = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        for (int i = 0; i < 5; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");
        await consumer.WaitForAsync(5);

        await channel.CloseAsync();
        await channel.DisposeAsync();

        await using var check = await connection.CreateChannelAsync();
        Assert.Equal(0u, await check.MessageCountAsync(queue));
    }

    [Fact]
    public async Task Deliveries_of_a_cancelled_consumer_can_still_be_acked()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        string queue;
        await using (var channel = await connection.CreateChannelAsync())
        {
            queue = await RabbitMq.TempQueueAsync(channel);
            for (int i = 0; i < 3; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");
            var consumer = new CollectingConsumer(channel);
            string tag = await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
            var got = await consumer.WaitForAsync(3);

            await channel.BasicCancelAsync(tag);
            await channel.BasicAckAsync(got[2].DeliveryTag, multiple: true);
            await channel.CloseAsync();
        }

        await using var check = await connection.CreateChannelAsync();
        Assert.Equal(0u, await check.MessageCountAsync(queue));
    }

    [Fact]
    public async Task Acking_a_delivery_whose_queue_was_deleted_is_harmless()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        await RabbitMq.PublishAsync(channel, "", queue, "orphan");
        var got = await channel.BasicGetAsync(queue, autoAck: false);

        await channel.QueueDeleteAsync(queue);
        await channel.BasicAckAsync(got!.DeliveryTag, multiple: false);

        Assert.StartsWith("amq.gen-", await RabbitMq.TempQueueAsync(channel));
        Assert.True(channel.IsOpen);
    }

    [Fact]
    public async Task Delivery_tags_are_per_channel_and_increase_from_one()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var a = await connection.CreateChannelAsync();
        await using var b = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(a);
        for (int i = 0; i < 4; i++) await RabbitMq.PublishAsync(a, "", queue, $"m{i}");

        var tagsA = new[] { (await a.BasicGetAsync(queue, false))!.DeliveryTag, (await a.BasicGetAsync(queue, false))!.DeliveryTag };
        var tagsB = new[] { (await b.BasicGetAsync(queue, false))!.DeliveryTag, (await b.BasicGetAsync(queue, false))!.DeliveryTag };

        Assert.Equal([1ul, 2ul], tagsA);
        Assert.Equal([1ul, 2ul], tagsB);
    }
}
