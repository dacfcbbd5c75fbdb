using System.Buffers.Binary;
using System.Collections.Concurrent;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>
/// The broker reuses message bodies once the last queue has its delivery acked. These tests mix
/// every way a message can leave or stay in a queue while the pool turns over, and check each
/// body byte for byte. Debug builds fill a returned body with 0xDB, so a body read after its
/// reuse is caught here, not only a body overwritten by another message.
/// </summary>
public sealed class RabbitMqClientPooledBodyTests
{
    // Sizes on both sides of the pool's size classes and of its 64 KiB limit.
    private static readonly int[] Sizes = [0, 1, 63, 64, 65, 127, 128, 129, 1000, 4096, 4097, 65_535, 65_536, 65_537, 70_000];

    private static byte[] Body(int index)
    {
        var body = new byte[Sizes[index % Sizes.Length]];
        for (int i = 0; i < body.Length; i++) body[i] = (byte)(index * 31 + i);
        if (body.Length >= 4) BinaryPrimitives.WriteInt32BigEndian(body, index);
        return body;
    }

    private static void AssertBody(int index, ReadOnlySpan<byte> actual, string where)
    {
        var expected = Body(index);
        Assert.True(actual.SequenceEqual(expected),
            $"{where}: body of message {index} ({expected.Length} B) came back changed ({actual.Length} B, first byte {(actual.Length > 0 ? actual[0] : -1)})");
    }

    [Fact]
    public async Task Fanned_out_bodies_stay_intact_across_acks_no_acks_gets_rejects_and_dead_letters()
    {
        const int Count = 600;
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var setup = await connection.CreateChannelAsync();
        await setup.ExchangeDeclareAsync("pool.fanout", ExchangeType.Fanout);
        await setup.QueueDeclareAsync("pool.dead", durable: false, exclusive: false, autoDelete: false);
        string[] queues = ["pool.acked", "pool.noack", "pool.get", "pool.rejected"];
        foreach (var q in queues)
        {
            var arguments = q == "pool.rejected"
                ? new Dictionary<string, object?> { ["x-dead-letter-exchange"] = "", ["x-dead-letter-routing-key"] = "pool.dead" }
                : null;
            await setup.QueueDeclareAsync(q, durable: false, exclusive: false, autoDelete: false, arguments);
            await setup.QueueBindAsync(q, "pool.fanout", "");
        }
        // Messages that only consumers with acks and without get: these go back to the pool and are
        // reused, under the fanned-out ones that dead-lettering and gets keep.
        await setup.ExchangeDeclareAsync("pool.reused", ExchangeType.Fanout);
        await setup.QueueBindAsync("pool.acked", "pool.reused", "");
        await setup.QueueBindAsync("pool.noack", "pool.reused", "");

        // Consumers first, so most messages are delivered (and acked, and reused) while later ones are published.
        var acked = new ConcurrentDictionary<int, byte[]>();
        var noAck = new ConcurrentDictionary<int, byte[]>();
        var failures = new ConcurrentQueue<string>();
        await using var ackChannel = await connection.CreateChannelAsync();
        await ackChannel.BasicQosAsync(0, 50, false);
        var ackConsumer = new AsyncEventingBasicConsumer(ackChannel);
        int delivered = 0;
        ackConsumer.ReceivedAsync += async (_, ea) =>
        {
            acked[int.Parse(ea.BasicProperties.MessageId!)] = ea.Body.ToArray();
            // Every 7th delivery is acked singly, the rest in multiples of about ten: both release paths.
            int n = ++delivered;
            if (n % 7 == 0) await ackChannel.BasicAckAsync(ea.DeliveryTag, multiple: false);
            else if (n % 10 == 0 || n == 2 * Count) await ackChannel.BasicAckAsync(ea.DeliveryTag, multiple: true);
        };
        await ackChannel.BasicConsumeAsync("pool.acked", autoAck: false, ackConsumer);

        await using var noAckChannel = await connection.CreateChannelAsync();
        var noAckConsumer = new AsyncEventingBasicConsumer(noAckChannel);
        noAckConsumer.ReceivedAsync += (_, ea) =>
        {
            noAck[int.Parse(ea.BasicProperties.MessageId!)] = ea.Body.ToArray();
            return Task.CompletedTask;
        };
        await noAckChannel.BasicConsumeAsync("pool.noack", autoAck: true, noAckConsumer);

        await using var rejectChannel = await connection.CreateChannelAsync();
        var rejectConsumer = new AsyncEventingBasicConsumer(rejectChannel);
        rejectConsumer.ReceivedAsync += async (_, ea) =>
        {
            int index = int.Parse(ea.BasicProperties.MessageId!);
            // Half go back to the queue once (redelivered, then rejected for good), half die at once.
            if (!ea.Redelivered && index % 2 == 0) await rejectChannel.BasicNackAsync(ea.DeliveryTag, false, requeue: true);
            else await rejectChannel.BasicRejectAsync(ea.DeliveryTag, requeue: false);
        };
        await rejectChannel.BasicConsumeAsync("pool.rejected", autoAck: false, rejectConsumer);

        await using var publisher = await connection.CreateChannelAsync();
        for (int i = 0; i < Count; i++)
        {
            var properties = new BasicProperties { MessageId = i.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            await publisher.BasicPublishAsync("pool.fanout", "", mandatory: false, properties, Body(i));
            var reusedProperties = new BasicProperties { MessageId = (Count + i).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            await publisher.BasicPublishAsync("pool.reused", "", mandatory: false, reusedProperties, Body(Count + i));
        }

        await Eventually.TrueAsync(() => acked.Count == 2 * Count && noAck.Count == 2 * Count, "every message reached both consumers",
            TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(async () => await setup.MessageCountAsync("pool.dead") == Count, "every rejected message was dead-lettered",
            TimeSpan.FromSeconds(30));

        // Gets with and without ack, after the pool has turned over many times.
        await using var getChannel = await connection.CreateChannelAsync();
        for (int i = 0; i < Count; i++)
        {
            bool withAck = i % 2 == 0;
            var got = await getChannel.BasicGetAsync("pool.get", autoAck: !withAck);
            Assert.NotNull(got);
            AssertBody(int.Parse(got.BasicProperties.MessageId!), got.Body.Span, "basic.get");
            if (withAck) await getChannel.BasicAckAsync(got.DeliveryTag, false);
        }
        for (int i = 0; i < Count; i++)
        {
            var dead = await getChannel.BasicGetAsync("pool.dead", autoAck: true);
            Assert.NotNull(dead);
            AssertBody(int.Parse(dead.BasicProperties.MessageId!), dead.Body.Span, "dead-lettered");
        }

        for (int i = 0; i < 2 * Count; i++)
        {
            AssertBody(i, acked[i], "acked consumer");
            AssertBody(i, noAck[i], "no-ack consumer");
        }
        Assert.True(server.Broker.Messages.Available > 0, "acked messages went back to the pool");
    }
}
