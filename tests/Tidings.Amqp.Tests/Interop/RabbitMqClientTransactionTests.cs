using System.Text;
using RabbitMQ.Client;
using Tidings.Amqp.Protocol;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>tx.select / tx.commit / tx.rollback through RabbitMQ.Client.</summary>
public sealed class RabbitMqClientTransactionTests
{
    [Fact]
    public async Task Transactional_publishes_become_visible_only_on_commit()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var tx = await connection.CreateChannelAsync();
        await using var observer = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(observer);
        await tx.TxSelectAsync();

        for (int i = 0; i < 3; i++) await RabbitMq.PublishAsync(tx, "", queue, $"m{i}");
        await Task.Delay(100);
        uint beforeCommit = await observer.MessageCountAsync(queue);
        await tx.TxCommitAsync();

        Assert.Equal(0u, beforeCommit);
        Assert.Equal(3u, await observer.MessageCountAsync(queue));
    }

    [Fact]
    public async Task Rollback_discards_the_uncommitted_publishes_and_the_channel_stays_transactional()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var tx = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(tx);
        await tx.TxSelectAsync();

        await RabbitMq.PublishAsync(tx, "", queue, "discarded");
        await tx.TxRollbackAsync();
        await RabbitMq.PublishAsync(tx, "", queue, "kept");
        await tx.TxCommitAsync();

        var got = await tx.BasicGetAsync(queue, autoAck: true);
        Assert.Equal("kept", Encoding.UTF8.GetString(got!.Body.Span));
        Assert.Null(await tx.BasicGetAsync(queue, autoAck: true));
    }

    [Fact]
    public async Task Acks_in_a_transaction_take_effect_on_commit_and_are_forgotten_on_rollback()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        string queue;
        await using (var tx = await connection.CreateChannelAsync())
        {
            queue = await RabbitMq.TempQueueAsync(tx);
            await RabbitMq.PublishAsync(tx, "", queue, "acked");
            await RabbitMq.PublishAsync(tx, "", queue, "ack rolled back");
            await tx.TxSelectAsync();
            var first = await tx.BasicGetAsync(queue, autoAck: false);
            var second = await tx.BasicGetAsync(queue, autoAck: false);

            await tx.BasicAckAsync(first!.DeliveryTag, false);
            await tx.TxCommitAsync();
            await tx.BasicAckAsync(second!.DeliveryTag, false);
            await tx.TxRollbackAsync();
            await tx.CloseAsync();
        }

        // Only the committed ack stuck: the other message came back when the channel closed.
        await using var check = await connection.CreateChannelAsync();
        var left = await check.BasicGetAsync(queue, autoAck: true);
        Assert.Equal("ack rolled back", Encoding.UTF8.GetString(left!.Body.Span));
        Assert.True(left.Redelivered);
        Assert.Null(await check.BasicGetAsync(queue, autoAck: true));
    }

    [Fact]
    public async Task Closing_a_channel_with_an_open_transaction_discards_its_publishes()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var observer = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(observer);
        await using (var tx = await connection.CreateChannelAsync())
        {
            await tx.TxSelectAsync();
            await RabbitMq.PublishAsync(tx, "", queue, "never committed");
            await tx.CloseAsync();
        }

        Assert.Equal(0u, await observer.MessageCountAsync(queue));
    }

    [Fact]
    public async Task Selecting_confirms_is_refused_on_a_transactional_channel()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();

        // RabbitMQ.Client only sends confirm.select when a channel is created, so use the raw client here.
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();
        await raw.OpenChannelAsync(1);
        await raw.SendMethodAsync(1, new TxSelect());
        await raw.ExpectMethodAsync<TxSelectOk>(1);
        await raw.SendMethodAsync(1, new ConfirmSelect());
        var close = await raw.ExpectMethodAsync<ChannelClose>(1);

        Assert.Equal(406, close.ReplyCode);
        Assert.Equal("PRECONDITION_FAILED - cannot switch from tx to confirm mode", close.ReplyText);
        Assert.Equal((85, 10), (close.FailingClassId, close.FailingMethodId));
    }
}
