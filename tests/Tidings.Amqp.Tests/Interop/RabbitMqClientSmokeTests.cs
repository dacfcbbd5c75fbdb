using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Tidings.Amqp.Tests.Interop;

public sealed class RabbitMqClientSmokeTests
{
    [Fact]
    public async Task Published_messages_reach_a_consumer_in_order_and_intact()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        for (int i = 0; i < 100; i++)
            await channel.BasicPublishAsync("", queue.QueueName, Encoding.UTF8.GetBytes($"m{i}"));

        var received = new List<string>();
        var done = new TaskCompletionSource();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, ea) =>
        {
            received.Add(Encoding.UTF8.GetString(ea.Body.Span));
            await channel.BasicAckAsync(ea.DeliveryTag, false);
            if (received.Count == 100) done.TrySetResult();
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: false, consumer);
        await done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"m{i}"), received);
    }

    [Fact]
    public async Task Passive_declare_of_missing_queue_closes_channel_with_404()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var e = await Assert.ThrowsAsync<OperationInterruptedException>(() => channel.QueueDeclarePassiveAsync("nope"));
        Assert.Equal(404, e.ShutdownReason!.ReplyCode);
        Assert.Equal("NOT_FOUND - no queue 'nope' in vhost '/'", e.ShutdownReason.ReplyText);
        Assert.True(connection.IsOpen);
    }
}
