using System.Collections.Concurrent;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>Publisher confirms (confirm.select, basic.ack/nack to the publisher, basic.return ordering).</summary>
public sealed class RabbitMqClientConfirmTests
{
    [Fact]
    public async Task Every_publish_on_a_confirm_channel_is_acked_and_stored()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        string queue = await RabbitMq.TempQueueAsync(channel);

        // With tracking on, each BasicPublishAsync returns only once the broker acked that message.
        for (int i = 0; i < 200; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");

        Assert.Equal(200u, await channel.MessageCountAsync(queue));
    }

    [Fact]
    public async Task Confirm_acks_carry_the_publish_sequence_numbers_and_cover_every_message()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection, tracking: false);
        string queue = await RabbitMq.TempQueueAsync(channel);
        var acked = new ConcurrentBag<ulong>();
        ulong highest = 0;
        var allAcked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.BasicAcksAsync += (_, ea) =>
        {
            // The broker may coalesce: multiple=true covers every tag up to and including this one.
            if (ea.Multiple)
            {
                for (ulong t = highest + 1; t <= ea.DeliveryTag; t++) acked.Add(t);
            }
            else
            {
                acked.Add(ea.DeliveryTag);
            }
            highest = Math.Max(highest, ea.DeliveryTag);
            if (highest == 500) allAcked.TrySetResult();
            return Task.CompletedTask;
        };
        channel.BasicNacksAsync += (_, _) => throw new InvalidOperationException("no message may be nacked");

        Assert.Equal(1ul, await channel.GetNextPublishSequenceNumberAsync());
        for (int i = 0; i < 500; i++) await RabbitMq.PublishAsync(channel, "", queue, $"m{i}");
        await allAcked.Task.WaitAsync(RabbitMq.Timeout);

        Assert.Equal(Enumerable.Range(1, 500).Select(i => (ulong)i), acked.Order());
    }

    [Fact]
    public async Task Twenty_thousand_windowed_publishes_are_all_confirmed_and_all_arrive()
    {
        const int Total = 20_000;
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        // No client-side rate limiter: RabbitMQ.Client's ThrottlingRateLimiter deliberately slows
        // publishing down, which would measure the client, not the broker. The window is explicit.
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null));
        string queue = await RabbitMq.TempQueueAsync(channel);
        var body = new byte[64];

        // A window of 500 publishes in flight; each task completes when its own confirm arrives.
        for (int sent = 0; sent < Total; sent += 500)
        {
            var batch = Enumerable.Range(0, 500)
                .Select(_ => channel.BasicPublishAsync("", queue, body).AsTask())
                .ToList();
            await Task.WhenAll(batch).WaitAsync(RabbitMq.Timeout);
        }

        Assert.Equal((uint)Total, await channel.MessageCountAsync(queue));
        await using var consumerChannel = await connection.CreateChannelAsync();
        var consumer = new CollectingConsumer(consumerChannel);
        await consumerChannel.BasicConsumeAsync(queue, autoAck: true, consumer);
        await consumer.WaitForAsync(Total, TimeSpan.FromSeconds(30));
        Assert.Equal(Total, consumer.Count);
    }

    [Fact]
    public async Task Publishing_into_a_full_reject_publish_queue_is_nacked()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        string queue = await RabbitMq.TempQueueAsync(channel, new Dictionary<string, object?>
        {
            ["x-max-length"] = 2,
            ["x-overflow"] = "reject-publish",
        });

        await RabbitMq.PublishAsync(channel, "", queue, "one");
        await RabbitMq.PublishAsync(channel, "", queue, "two");
        var e = await Assert.ThrowsAsync<PublishException>(() => RabbitMq.PublishAsync(channel, "", queue, "three").AsTask());

        Assert.False(e.IsReturn);
        Assert.Equal(3ul, e.PublishSequenceNumber);
        Assert.Equal(2u, await channel.MessageCountAsync(queue));
        // Making room lets the next publish through and it is acked again.
        await channel.BasicGetAsync(queue, autoAck: true);
        await RabbitMq.PublishAsync(channel, "", queue, "four");
        Assert.Equal(2u, await channel.MessageCountAsync(queue));
    }

    [Fact]
    public async Task Nack_reaches_a_listener_without_tracking_and_later_publishes_are_acked()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection, tracking: false);
        string queue = await RabbitMq.TempQueueAsync(channel, new Dictionary<string, object?>
        {
            ["x-max-length"] = 1,
            ["x-overflow"] = "reject-publish",
        });
        var nacked = new TaskCompletionSource<ulong>(TaskCreationOptions.RunContinuationsAsynchronously);
        var acked = new ConcurrentBag<(ulong Tag, bool Multiple)>();
        channel.BasicNacksAsync += (_, ea) => { nacked.TrySetResult(ea.DeliveryTag); return Task.CompletedTask; };
        channel.BasicAcksAsync += (_, ea) => { acked.Add((ea.DeliveryTag, ea.Multiple)); return Task.CompletedTask; };

        await RabbitMq.PublishAsync(channel, "", queue, "fits");
        await RabbitMq.PublishAsync(channel, "", queue, "overflows");

        Assert.Equal(2ul, await nacked.Task.WaitAsync(RabbitMq.Timeout));
        await Eventually.TrueAsync(() => acked.Any(a => a.Tag == 1), "message 1 was not acked");
        Assert.DoesNotContain(acked, a => a.Tag >= 2);
    }

    [Fact]
    public async Task Unroutable_mandatory_publish_is_returned_with_312_before_it_is_confirmed()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        var returned = new TaskCompletionSource<(BasicReturnEventArgs Return, string Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The body memory is the client's and only valid inside the handler: copy it there.
        channel.BasicReturnAsync += (_, ea) => { returned.TrySetResult((ea, Encoding.UTF8.GetString(ea.Body.Span))); return Task.CompletedTask; };

        // The client settles a tracked publish as "returned" only if basic.return arrives before
        // basic.ack; had the ack come first, this publish would have succeeded.
        var e = await Assert.ThrowsAsync<PublishException>(() => RabbitMq.PublishAsync(channel, "amq.direct", "nobody-home", "lost",
            new BasicProperties { MessageId = "m-1" }, mandatory: true).AsTask());

        Assert.True(e.IsReturn);
        var (ret, body) = await returned.Task.WaitAsync(RabbitMq.Timeout);
        Assert.Equal(312, ret.ReplyCode);
        Assert.Equal("NO_ROUTE", ret.ReplyText);
        Assert.Equal("amq.direct", ret.Exchange);
        Assert.Equal("nobody-home", ret.RoutingKey);
        Assert.Equal("m-1", ret.BasicProperties.MessageId);
        Assert.Equal("lost", body);
    }

    [Fact]
    public async Task Unroutable_publish_without_mandatory_is_simply_confirmed()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await RabbitMq.ConfirmChannelAsync(connection);
        bool returned = false;
        channel.BasicReturnAsync += (_, _) => { returned = true; return Task.CompletedTask; };

        await RabbitMq.PublishAsync(channel, "amq.direct", "nobody-home", "dropped");
        await RabbitMq.PublishAsync(channel, "amq.fanout", "", "dropped too");

        Assert.False(returned);
        Assert.True(channel.IsOpen);
    }

    [Fact]
    public async Task Mandatory_publish_without_confirms_fires_basic_return()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        var returned = new TaskCompletionSource<(BasicReturnEventArgs Return, string Body)>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.BasicReturnAsync += (_, ea) => { returned.TrySetResult((ea, Encoding.UTF8.GetString(ea.Body.Span))); return Task.CompletedTask; };
        string queue = await RabbitMq.TempQueueAsync(channel);

        await RabbitMq.PublishAsync(channel, "", queue, "routed", mandatory: true);
        await RabbitMq.PublishAsync(channel, "", "no-such-queue", "unroutable", mandatory: true);

        var (ret, body) = await returned.Task.WaitAsync(RabbitMq.Timeout);
        Assert.Equal((312, "NO_ROUTE", "", "no-such-queue"), (ret.ReplyCode, ret.ReplyText, ret.Exchange, ret.RoutingKey));
        Assert.Equal("unroutable", body);
        Assert.Equal(1u, await channel.MessageCountAsync(queue));
    }

    [Fact]
    public async Task Confirms_are_numbered_per_channel()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var first = await RabbitMq.ConfirmChannelAsync(connection);
        await using var second = await RabbitMq.ConfirmChannelAsync(connection);
        string queue = await RabbitMq.TempQueueAsync(first);

        for (int i = 0; i < 10; i++) await RabbitMq.PublishAsync(first, "", queue, "a");
        for (int i = 0; i < 3; i++) await RabbitMq.PublishAsync(second, "", queue, "b");

        Assert.Equal(11ul, await first.GetNextPublishSequenceNumberAsync());
        Assert.Equal(4ul, await second.GetNextPublishSequenceNumberAsync());
        Assert.Equal(13u, await first.MessageCountAsync(queue));
    }
}
