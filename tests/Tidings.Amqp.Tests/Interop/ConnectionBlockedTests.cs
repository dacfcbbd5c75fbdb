using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop;

public sealed class ConnectionBlockedTests
{
    [Fact]
    public async Task Only_a_connection_that_publishes_is_told_it_is_blocked_and_then_unblocked()
    {
        await using var server = await AmqpTestServer.StartAsync();
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.Port };
        await using var publisher = await factory.CreateConnectionAsync();
        await using var consumer = await factory.CreateConnectionAsync();
        var publisherBlocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publisherUnblocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumerBlocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        publisher.ConnectionBlockedAsync += (_, _) => { publisherBlocked.TrySetResult(); return Task.CompletedTask; };
        publisher.ConnectionUnblockedAsync += (_, _) => { publisherUnblocked.TrySetResult(); return Task.CompletedTask; };
        consumer.ConnectionBlockedAsync += (_, _) => { consumerBlocked.TrySetResult(); return Task.CompletedTask; };
        await using var channel = await publisher.CreateChannelAsync();
        await channel.QueueDeclareAsync("work", false, false, false);
        await channel.BasicPublishAsync("", "work", new byte[] { 1 });
        await using var consumerChannel = await consumer.CreateChannelAsync();
        await consumerChannel.QueueDeclarePassiveAsync("work");

        server.Broker.Alarms.Set("memory", true);
        await publisherBlocked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(300);
        Assert.False(consumerBlocked.Task.IsCompleted, "a connection that never published was blocked");

        server.Broker.Alarms.Set("memory", false);
        await publisherUnblocked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The consumer connection was never blocked and still works.
        var got = await consumerChannel.BasicGetAsync("work", autoAck: true);
        Assert.NotNull(got);
    }
}
