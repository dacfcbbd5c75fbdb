using RabbitMQ.Client;

namespace Tidings.Amqp.Tests.Interop;

public sealed class ConnectionBlockedTests
{
    [Fact]
    public async Task Only_a_connection_that_publishes_is_told_it_is_blocked_and_then_unblocked()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort };
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

    [Fact]
    public async Task A_blocked_publisher_that_disconnects_is_cleaned_up_while_the_alarm_lasts()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("work")!;
        var client = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await client.HandshakeAsync();
        await client.OpenChannelAsync(1);
        await client.PublishAsync(1, "", "work", [1]);
        await client.PublishAsync(1, "", "work", [2]);
        // It also holds a delivery unacked, which must go back to the queue when it leaves.
        await client.SendMethodAsync(1, new global::Tidings.Amqp.Protocol.BasicGet { Queue = "work", NoAck = false });
        await client.ExpectMethodAsync<global::Tidings.Amqp.Protocol.BasicGetOk>(1);
        await client.ReadContentAsync(1);
        Assert.Equal(1, queue.UnackedCount);
        server.Broker.Alarms.Set("memory", true);
        await client.PublishAsync(1, "", "work", [3]);
        await Eventually.TrueAsync(() => queue.MessageCount == 2, "the publish before the block was not taken");

        // The socket goes away while the broker is not reading from it.
        await client.DisposeAsync();

        await Eventually.TrueAsync(() => server.Broker.Connections.Count == 0 && queue.UnackedCount == 0,
            "the dead blocked connection was kept until the alarm cleared");
        Assert.True(server.Broker.Alarms.IsBlocked);
        Assert.Equal(3, queue.MessageCount);
    }
}

public sealed class DiskAlarmTests
{
    [Fact]
    public async Task Too_little_free_disk_blocks_publishers_with_a_disk_reason_and_nothing_is_lost()
    {
        // A limit above any real free space: the disk alarm is on from the start.
        await using var server = await TestBrokerServer.StartAmqpAsync(brokerOptions: new Tidings.Core.BrokerOptions
        {
            MemoryHighWatermarkBytes = 0,
            DiskFreeLimitBytes = long.MaxValue,
            DataDirectory = Path.GetTempPath(),
        });
        Assert.Contains("disk", server.Broker.Alarms.Active);
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort };
        var connection = await factory.CreateConnectionAsync();
        var blocked = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionBlockedAsync += (_, e) => { blocked.TrySetResult(e.Reason); return Task.CompletedTask; };
        var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("kept", false, false, false);
        await channel.BasicPublishAsync("", "kept", new byte[] { 42 });

        Assert.Equal("low on disk", await blocked.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        // The message published when the alarm was noticed is kept, not dropped.
        Assert.Equal(1, server.Broker.DefaultVirtualHost.FindQueue("kept")!.MessageCount);
        // A blocked connection is not read from, so a polite close would wait for its timeout
        // (as with RabbitMQ); drop it instead.
        await connection.AbortAsync(200, "test over", TimeSpan.FromMilliseconds(100));
    }
}
