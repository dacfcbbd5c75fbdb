using System.Text;
using RabbitMQ.Client;
using Tidings.Core;
using Wire = Tidings.Amqp.Protocol;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>Message content: every basic property, every header field type, empty and large bodies, size limits.</summary>
public sealed class RabbitMqClientContentTests
{
    [Fact]
    public async Task All_fourteen_basic_properties_round_trip_through_a_queue()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var sent = new BasicProperties
        {
            ContentType = "application/json",
            ContentEncoding = "gzip",
            Headers = new Dictionary<string, object?> { ["tenant"] = "acme" },
            DeliveryMode = DeliveryModes.Persistent,
            Priority = 7,
            CorrelationId = "corr-ñ-✓",
            ReplyTo = "replies",
            Expiration = "60000",
            MessageId = "msg-0001",
            Timestamp = new AmqpTimestamp(1_700_000_000),
            Type = "order.created",
            UserId = "guest",
            AppId = "checkout",
            ClusterId = "eu-west",
        };

        await channel.BasicPublishAsync("", queue, false, sent, Encoding.UTF8.GetBytes("{}"));
        var consumer = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        var got = (await consumer.WaitForAsync(1))[0].Properties;

        Assert.Equal("application/json", got.ContentType);
        Assert.Equal("gzip", got.ContentEncoding);
        Assert.Equal("acme", RabbitMq.Text(got.Headers!["tenant"]));
        Assert.Equal(DeliveryModes.Persistent, got.DeliveryMode);
        Assert.True(got.Persistent);
        Assert.Equal(7, got.Priority);
        Assert.Equal("corr-ñ-✓", got.CorrelationId);
        Assert.Equal("replies", got.ReplyTo);
        Assert.Equal("60000", got.Expiration);
        Assert.Equal("msg-0001", got.MessageId);
        Assert.Equal(1_700_000_000, got.Timestamp.UnixTime);
        Assert.Equal("order.created", got.Type);
        Assert.Equal("guest", got.UserId);
        Assert.Equal("checkout", got.AppId);
        Assert.Equal("eu-west", got.ClusterId);
    }

    [Fact]
    public async Task Absent_properties_stay_absent()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);

        await channel.BasicPublishAsync("", queue, Encoding.UTF8.GetBytes("bare"));
        var got = await channel.BasicGetAsync(queue, autoAck: true);

        var p = got!.BasicProperties;
        Assert.False(p.IsContentTypePresent() || p.IsContentEncodingPresent() || p.IsHeadersPresent() || p.IsDeliveryModePresent() ||
                     p.IsPriorityPresent() || p.IsCorrelationIdPresent() || p.IsReplyToPresent() || p.IsExpirationPresent() ||
                     p.IsMessageIdPresent() || p.IsTimestampPresent() || p.IsTypePresent() || p.IsUserIdPresent() ||
                     p.IsAppIdPresent() || p.IsClusterIdPresent());
    }

    [Fact]
    public async Task Header_values_of_every_type_the_client_sends_come_back_intact()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        byte[] blob = [0, 1, 2, 254, 255];
        var headers = new Dictionary<string, object?>
        {
            ["string"] = "héllo",
            ["int"] = -123456,
            ["long"] = 1L << 40,
            ["bool-true"] = true,
            ["bool-false"] = false,
            ["double"] = 3.25d,
            ["float"] = 1.5f,
            ["bytes"] = blob,
            ["binary"] = new BinaryTableValue(blob),
            ["short"] = (short)-300,
            ["sbyte"] = (sbyte)-5,
            ["byte"] = (byte)200,
            ["uint"] = 4_000_000_000u,
            ["ushort"] = (ushort)65000,
            ["decimal"] = 12.345m,
            ["timestamp"] = new AmqpTimestamp(1_600_000_000),
            ["void"] = null,
            ["table"] = new Dictionary<string, object?> { ["inner"] = "value", ["n"] = 1, ["deeper"] = new Dictionary<string, object?> { ["x"] = true } },
            ["list"] = new List<object?> { "a", 2, 3L, false, new List<object?> { "nested" }, new Dictionary<string, object?> { ["k"] = "v" } },
            ["empty-list"] = new List<object?>(),
            ["empty-table"] = new Dictionary<string, object?>(),
        };

        await channel.BasicPublishAsync("", queue, false, new BasicProperties { Headers = headers }, Encoding.UTF8.GetBytes("typed"));
        var got = (await channel.BasicGetAsync(queue, autoAck: true))!.BasicProperties.Headers!;

        Assert.Equal("héllo", RabbitMq.Text(got["string"]));
        Assert.Equal(-123456, got["int"]);
        Assert.Equal(1L << 40, got["long"]);
        Assert.Equal(true, got["bool-true"]);
        Assert.Equal(false, got["bool-false"]);
        Assert.Equal(3.25d, got["double"]);
        Assert.Equal(1.5f, got["float"]);
        Assert.Equal(blob, Assert.IsType<byte[]>(got["bytes"]));
        Assert.Equal(blob, Assert.IsType<BinaryTableValue>(got["binary"]).Bytes);
        Assert.Equal((short)-300, got["short"]);
        Assert.Equal((sbyte)-5, got["sbyte"]);
        Assert.Equal((byte)200, got["byte"]);
        Assert.Equal(4_000_000_000u, got["uint"]);
        Assert.Equal((ushort)65000, got["ushort"]);
        Assert.Equal(12.345m, got["decimal"]);
        Assert.Equal(1_600_000_000, Assert.IsType<AmqpTimestamp>(got["timestamp"]).UnixTime);
        Assert.True(got.ContainsKey("void"));
        Assert.Null(got["void"]);
        var table = Assert.IsType<Dictionary<string, object?>>(got["table"]);
        Assert.Equal("value", RabbitMq.Text(table["inner"]));
        Assert.Equal(1, table["n"]);
        Assert.Equal(true, Assert.IsType<Dictionary<string, object?>>(table["deeper"])["x"]);
        var list = Assert.IsType<List<object>>(got["list"]);
        Assert.Equal(6, list.Count);
        Assert.Equal("a", RabbitMq.Text(list[0]));
        Assert.Equal(2, list[1]);
        Assert.Equal(3L, list[2]);
        Assert.Equal(false, list[3]);
        Assert.Equal("nested", RabbitMq.Text(Assert.Single(Assert.IsType<List<object>>(list[4]))));
        Assert.Equal("v", RabbitMq.Text(Assert.IsType<Dictionary<string, object?>>(list[5])["k"]));
        // RabbitMQ.Client decodes an empty array or table as null; the key itself must survive.
        Assert.True(got.ContainsKey("empty-list") && got["empty-list"] is null);
        Assert.True(got.ContainsKey("empty-table") && got["empty-table"] is null);
        Assert.Equal(headers.Count, got.Count);
    }

    [Fact]
    public async Task A_zero_length_body_is_delivered_as_an_empty_message()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);

        await channel.BasicPublishAsync("", queue, false, new BasicProperties { MessageId = "empty-1" }, ReadOnlyMemory<byte>.Empty);
        await channel.BasicPublishAsync("", queue, false, new BasicProperties { MessageId = "empty-2" }, ReadOnlyMemory<byte>.Empty);
        var viaGet = await channel.BasicGetAsync(queue, autoAck: true);
        var consumer = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        var viaConsume = (await consumer.WaitForAsync(1))[0];

        Assert.Equal(("empty-1", 0), (viaGet!.BasicProperties.MessageId, viaGet.Body.Length));
        Assert.Equal(("empty-2", 0), (viaConsume.Properties.MessageId, viaConsume.Body.Length));
    }

    [Fact]
    public async Task A_one_mebibyte_body_crosses_a_4096_byte_frame_max_in_both_directions()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server, f => f.RequestedFrameMax = 4096);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var body = new byte[1024 * 1024];
        new Random(42).NextBytes(body);

        await channel.BasicPublishAsync("", queue, body);
        var consumer = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        var got = (await consumer.WaitForAsync(1))[0];

        Assert.Equal(4096u, connection.FrameMax);
        Assert.Equal(body, got.Body);
    }

    [Fact]
    public async Task Body_frames_sent_by_the_broker_respect_the_negotiated_frame_max()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync(frameMax: 4096);
        await raw.OpenChannelAsync(1);
        await raw.SendMethodAsync(1, new Wire.QueueDeclare { Queue = "frames" });
        await raw.ExpectMethodAsync<Wire.QueueDeclareOk>(1);
        var body = new byte[20_000];
        new Random(7).NextBytes(body);
        await raw.PublishAsync(1, "", "frames", body);

        await raw.SendMethodAsync(1, new Wire.BasicGet { Queue = "frames", NoAck = true });
        await raw.ExpectMethodAsync<Wire.BasicGetOk>(1);
        var header = await raw.ReadNonHeartbeatAsync();
        var received = new List<byte>();
        var frameSizes = new List<int>();
        while (received.Count < body.Length)
        {
            var frame = await raw.ReadNonHeartbeatAsync();
            Assert.Equal(Wire.FrameType.Body, frame.Type);
            frameSizes.Add(frame.Payload.Length);
            received.AddRange(frame.Payload);
        }

        Assert.Equal(Wire.FrameType.Header, header.Type);
        Assert.All(frameSizes, size => Assert.True(size + 8 <= 4096, $"body frame payload of {size} bytes exceeds frame_max 4096"));
        Assert.Equal(body, received.ToArray());
    }

    [Fact]
    public async Task A_body_above_the_broker_max_message_size_closes_the_channel_with_406_and_the_connection_carries_on()
    {
        const int Max = 1024 * 1024;
        await using var server = await TestBrokerServer.StartAmqpAsync(brokerOptions: new BrokerOptions { MaxMessageSize = Max, MemoryHighWatermarkBytes = 0 });
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var watcher = new ChannelCloseWatcher(channel);

        await channel.BasicPublishAsync("", queue, new byte[Max + 1]);
        var reason = await watcher.Closed;

        Assert.Equal(406, reason.ReplyCode);
        Assert.Equal($"PRECONDITION_FAILED - message size {Max + 1} is larger than configured max size {Max}", reason.ReplyText);
        Assert.True(connection.IsOpen);
        await using var next = await connection.CreateChannelAsync();
        await next.BasicPublishAsync("", queue, new byte[Max]);
        var got = await next.BasicGetAsync(queue, autoAck: true);
        Assert.Equal(Max, got!.Body.Length);
    }

    [Fact]
    public async Task Routing_key_and_exchange_of_a_delivery_are_those_it_was_published_with()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        await channel.QueueBindAsync(queue, "amq.topic", "metrics.#");
        var consumer = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);

        await RabbitMq.PublishAsync(channel, "amq.topic", "metrics.cpu.host-1", "42");

        var got = (await consumer.WaitForAsync(1))[0];
        Assert.Equal(("amq.topic", "metrics.cpu.host-1", "42"), (got.Exchange, got.RoutingKey, got.Text));
    }

    [Fact]
    public async Task Many_bodies_of_assorted_sizes_arrive_intact_and_in_order()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server, f => f.RequestedFrameMax = 8192);
        await using var channel = await connection.CreateChannelAsync();
        string queue = await RabbitMq.TempQueueAsync(channel);
        var random = new Random(1);
        int[] sizes = [0, 1, 8183, 8184, 8185, 16368, 16369, 100_000, 3, 65_536];
        var bodies = sizes.Select(n => { var b = new byte[n]; random.NextBytes(b); return b; }).ToList();

        foreach (var body in bodies) await channel.BasicPublishAsync("", queue, body);
        var consumer = new CollectingConsumer(channel);
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        var got = await consumer.WaitForAsync(bodies.Count);

        for (int i = 0; i < bodies.Count; i++) Assert.Equal(bodies[i], got[i].Body);
    }
}
