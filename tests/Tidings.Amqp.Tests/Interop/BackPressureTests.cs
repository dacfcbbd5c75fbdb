using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>A consumer that stops reading must not make the broker buffer its messages without bound.</summary>
public sealed class BackPressureTests
{
    [Fact]
    public async Task A_stalled_no_ack_consumer_leaves_messages_in_the_queue_until_it_reads_again()
    {
        const int maxPending = 256 * 1024;
        await using var server = await TestBrokerServer.StartAmqpAsync(o => o.MaxPendingOutputBytes = maxPending);
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareQueue("firehose");
        await using var client = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await client.HandshakeAsync();
        await client.OpenChannelAsync(1);
        await client.SendMethodAsync(1, new BasicConsume { Queue = "firehose", ConsumerTag = "c", NoAck = true });
        await client.ExpectMethodAsync<BasicConsumeOk>(1);

        // The client now reads nothing. 4,000 × 16 KiB = 64 MiB is far more than the kernel's
        // socket buffers plus the broker's 256 KiB output allowance can hold.
        var body = new byte[16 * 1024];
        const int published = 4000;
        for (int i = 0; i < published; i++)
            vhost.Publish("", "firehose", MessageProperties.Empty, body);
        await Task.Delay(500);
        var queue = vhost.FindQueue("firehose")!;
        int stillQueued = queue.MessageCount;
        Assert.True(stillQueued > published / 2,
            $"only {stillQueued} of {published} messages stayed in the queue: the broker buffered the rest for a consumer that reads nothing");

        // Reading again drains everything, in order, with nothing lost.
        int received = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (received < published && !deadline.IsCancellationRequested)
        {
            var frame = await client.ReadNonHeartbeatAsync();
            if (frame.Type == FrameType.Method && frame.MethodId == AmqpMethodId.BasicDeliver)
            {
                var deliver = frame.Read<BasicDeliver>();
                Assert.Equal((ulong)(received + 1), deliver.DeliveryTag);
                var (header, content) = await client.ReadContentAsync(1);
                Assert.Equal((ulong)body.Length, header.BodySize);
                Assert.Equal(body.Length, content.Length);
                received++;
            }
        }
        Assert.Equal(published, received);
        Assert.Equal(0, queue.MessageCount);
    }
}
