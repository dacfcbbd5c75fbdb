using System.Buffers.Binary;
using System.Text;
using RabbitMQ.Client;
using Wire = Tidings.Amqp.Protocol;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>
/// Protocol violations from a raw socket client, each next to a well-behaved RabbitMQ.Client
/// connection opened beforehand that must not notice anything; and many connections at once.
/// </summary>
public sealed class RabbitMqClientRobustnessTests
{
    /// <summary>A RabbitMQ.Client connection with a queue, opened before the misbehaving one.</summary>
    private sealed class Bystander(IConnection connection, IChannel channel, string queue) : IAsyncDisposable
    {
        public static async Task<Bystander> StartAsync(TestBrokerServer server)
        {
            var connection = await RabbitMq.ConnectAsync(server);
            var channel = await connection.CreateChannelAsync();
            return new Bystander(connection, channel, await RabbitMq.TempQueueAsync(channel));
        }

        /// <summary>Publishes and reads back a message: the connection still works.</summary>
        public async Task AssertStillWorksAsync()
        {
            Assert.True(connection.IsOpen);
            await RabbitMq.PublishAsync(channel, "", queue, "still fine");
            var got = await channel.BasicGetAsync(queue, autoAck: true).WaitAsync(RabbitMq.Timeout);
            Assert.Equal("still fine", Encoding.UTF8.GetString(got!.Body.Span));
        }

        public async ValueTask DisposeAsync()
        {
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    public static TheoryData<byte[]> WrongProtocolHeaders => new()
    {
        "AMQP\0\0\x09\x00"u8.ToArray(), // 0-9-0
        "AMQP\0\x01\0\0"u8.ToArray(),   // AMQP 1.0
        "AMQP\x03\x01\0\0"u8.ToArray(), // AMQP 1.0 SASL
        "GET / HTTP/1.1\r\n\r\n"u8.ToArray(),
    };

    [Theory]
    [MemberData(nameof(WrongProtocolHeaders))]
    public async Task A_wrong_protocol_header_is_answered_with_AMQP_0_9_1_and_the_socket_closed(byte[] header)
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);

        await raw.SendRawAsync(header);
        var answer = await raw.ReadToEndAsync();

        Assert.Equal("AMQP\0\0\x09\x01"u8.ToArray(), answer);
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task A_frame_of_unknown_type_closes_the_connection_with_501()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();

        await raw.SendRawAsync(new byte[] { 99, 0, 0, 0, 0, 0, 2, 0xAB, 0xCD, Wire.AmqpConstants.FrameEnd });
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(501, close.ReplyCode);
        Assert.StartsWith("FRAME_ERROR - ", close.ReplyText);
        Assert.True(await raw.WaitForServerCloseAsync(RabbitMq.Timeout));
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task A_bad_frame_end_octet_closes_the_connection_with_501()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();
        await raw.OpenChannelAsync(1);

        var frame = new System.Buffers.ArrayBufferWriter<byte>();
        Wire.FrameWriter.WriteMethod(frame, 1, new Wire.BasicQos { PrefetchCount = 1 });
        var bytes = frame.WrittenSpan.ToArray();
        bytes[^1] = 0x00;
        await raw.SendRawAsync(bytes);
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(501, close.ReplyCode);
        Assert.StartsWith("FRAME_ERROR - ", close.ReplyText);
        Assert.True(await raw.WaitForServerCloseAsync(RabbitMq.Timeout));
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task A_frame_larger_than_the_negotiated_frame_max_closes_the_connection_with_501()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync(frameMax: 4096);
        await raw.OpenChannelAsync(1);

        await raw.SendFramesAsync(w => Wire.FrameWriter.WriteContentMethod(w, 1, new Wire.BasicPublish { RoutingKey = "q" },
            Tidings.Core.Messages.MessageProperties.Empty, new byte[20_000], frameMax: 0));
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(501, close.ReplyCode);
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task A_method_on_a_channel_that_was_never_opened_closes_the_connection_with_504()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();

        await raw.SendMethodAsync(5, new Wire.BasicQos { PrefetchCount = 10 });
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(504, close.ReplyCode);
        Assert.Equal("CHANNEL_ERROR - expected 'channel.open'", close.ReplyText);
        Assert.Equal((60, 10), (close.FailingClassId, close.FailingMethodId));
        Assert.True(await raw.WaitForServerCloseAsync(RabbitMq.Timeout));
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task A_second_channel_open_on_an_open_channel_closes_the_connection_with_504()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();
        await raw.OpenChannelAsync(1);

        await raw.SendMethodAsync(1, new Wire.ChannelOpen());
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(504, close.ReplyCode);
        Assert.Equal("CHANNEL_ERROR - second 'channel.open' seen", close.ReplyText);
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task A_body_frame_without_a_content_header_closes_the_connection_with_505()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();
        await raw.OpenChannelAsync(1);

        await raw.SendFramesAsync(w => Wire.FrameWriter.WriteBody(w, 1, "orphan body"u8, 0));
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(505, close.ReplyCode);
        Assert.Equal("UNEXPECTED_FRAME - expected method frame, got non method frame instead", close.ReplyText);
        Assert.True(await raw.WaitForServerCloseAsync(RabbitMq.Timeout));
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task A_method_where_a_content_header_belongs_closes_the_connection_with_505()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();
        await raw.OpenChannelAsync(1);

        await raw.SendMethodAsync(1, new Wire.BasicPublish { RoutingKey = "q" });
        await raw.SendMethodAsync(1, new Wire.BasicQos { PrefetchCount = 1 });
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(505, close.ReplyCode);
        Assert.Equal("UNEXPECTED_FRAME - expected content header for class 60, got non content header frame instead", close.ReplyText);
        Assert.Equal((60, 40), (close.FailingClassId, close.FailingMethodId));
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task A_heartbeat_on_a_non_zero_channel_closes_the_connection_with_505()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();

        await raw.SendRawAsync(new byte[] { 8, 0, 3, 0, 0, 0, 0, Wire.AmqpConstants.FrameEnd });
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(505, close.ReplyCode);
    }

    [Fact]
    public async Task A_method_the_protocol_does_not_define_closes_the_connection_with_503()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();
        await raw.OpenChannelAsync(1);

        var payload = new byte[4];
        BinaryPrimitives.WriteUInt16BigEndian(payload, 60);
        BinaryPrimitives.WriteUInt16BigEndian(payload.AsSpan(2), 999);
        var frame = new byte[] { 1, 0, 1, 0, 0, 0, 4 }.Concat(payload).Append(Wire.AmqpConstants.FrameEnd).ToArray();
        await raw.SendRawAsync(frame);
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(503, close.ReplyCode);
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task Opening_more_channels_than_the_negotiated_channel_max_closes_the_connection_with_530()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync(channelMax: 2);
        await raw.OpenChannelAsync(1);
        await raw.OpenChannelAsync(2);

        await raw.SendMethodAsync(3, new Wire.ChannelOpen());
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(530, close.ReplyCode);
        Assert.StartsWith("NOT_ALLOWED - ", close.ReplyText);
    }

    [Fact]
    public async Task A_tune_ok_frame_max_below_the_minimum_closes_the_connection_with_530()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.SendRawAsync(Wire.ProtocolHeader.Amqp091.ToArray());
        await raw.ExpectMethodAsync<Wire.ConnectionStart>(0);
        await raw.SendMethodAsync(0, new Wire.ConnectionStartOk { Response = "\0guest\0guest"u8.ToArray() });
        await raw.ExpectMethodAsync<Wire.ConnectionTune>(0);

        await raw.SendMethodAsync(0, new Wire.ConnectionTuneOk { FrameMax = 1024 });
        var close = await raw.ExpectConnectionCloseAsync();

        Assert.Equal(530, close.ReplyCode);
        Assert.StartsWith("NOT_ALLOWED - negotiated frame_max = 1024 is lower than the minimum allowed value", close.ReplyText);
    }

    [Fact]
    public async Task A_client_without_the_auth_failure_capability_is_simply_disconnected_on_bad_credentials()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.SendRawAsync(Wire.ProtocolHeader.Amqp091.ToArray());
        await raw.ExpectMethodAsync<Wire.ConnectionStart>(0);

        await raw.SendMethodAsync(0, new Wire.ConnectionStartOk { Response = "\0guest\0wrong"u8.ToArray() });

        Assert.Null(await raw.ReadFrameAsync());
    }

    [Fact]
    public async Task A_client_vanishing_mid_message_leaves_the_broker_healthy()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var bystander = await Bystander.StartAsync(server);
        var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();
        await raw.OpenChannelAsync(1);
        await raw.SendMethodAsync(1, new Wire.BasicPublish { RoutingKey = "q" });
        await raw.SendFramesAsync(w => Wire.FrameWriter.WriteContentHeader(w, 1, 1000, Tidings.Core.Messages.MessageProperties.Empty));

        await raw.DisposeAsync();

        await Eventually.TrueAsync(() => server.Broker.Connections.Count == 1, "the vanished client's connection was not cleaned up");
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task A_client_that_stalls_in_the_handshake_is_disconnected_after_the_handshake_timeout()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync(o => o.HandshakeTimeout = TimeSpan.FromSeconds(1));
        await using var bystander = await Bystander.StartAsync(server);
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.SendRawAsync(Wire.ProtocolHeader.Amqp091.ToArray());
        await raw.ExpectMethodAsync<Wire.ConnectionStart>(0);

        // Never answer connection.start: the socket must not be held open for ever.
        bool closed = await raw.WaitForServerCloseAsync(TimeSpan.FromSeconds(5));

        Assert.True(closed, "a connection stuck before start-ok was kept open past the handshake timeout");
        await bystander.AssertStillWorksAsync();
    }

    [Fact]
    public async Task Closed_connections_are_not_kept_alive_by_the_broker_s_alarm_notifications()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        for (int i = 0; i < 20; i++)
        {
            await using var connection = await RabbitMq.ConnectAsync(server);
            await using var channel = await connection.CreateChannelAsync();
            await connection.CloseAsync();
        }
        await Eventually.TrueAsync(() => server.Broker.Connections.Count == 0, "closed connections are still listed");

        // Each live AMQP connection listens for alarms; a closed one must stop listening, or the
        // broker keeps every connection it ever had (and its buffers) reachable.
        await Eventually.TrueAsync(() => AlarmListenerCount(server) == 0,
            $"{AlarmListenerCount(server)} closed connections still listen for alarms");
    }

    private static int AlarmListenerCount(TestBrokerServer server)
    {
        var field = typeof(Tidings.Core.ResourceAlarms).GetField("Changed",
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic);
        return (field!.GetValue(server.Broker.Alarms) as Delegate)?.GetInvocationList().Length ?? 0;
    }

    [Fact]
    public async Task Basic_recover_redelivers_every_unacked_message_with_the_redelivered_flag()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var raw = await RawAmqpClient.ConnectAsync(server.AmqpPort);
        await raw.HandshakeAsync();
        await raw.OpenChannelAsync(1);
        await raw.SendMethodAsync(1, new Wire.QueueDeclare { Queue = "recoverable" });
        await raw.ExpectMethodAsync<Wire.QueueDeclareOk>(1);
        await raw.PublishAsync(1, "", "recoverable", "again"u8.ToArray());
        await raw.SendMethodAsync(1, new Wire.BasicConsume { Queue = "recoverable", ConsumerTag = "c1" });
        await raw.ExpectMethodAsync<Wire.BasicConsumeOk>(1);
        var first = await raw.ExpectMethodAsync<Wire.BasicDeliver>(1);
        await raw.ReadContentAsync(1);

        // RabbitMQ.Client 7 no longer exposes basic.recover, so the raw client sends it.
        await raw.SendMethodAsync(1, new Wire.BasicRecover { Requeue = true });
        await raw.ExpectMethodAsync<Wire.BasicRecoverOk>(1);
        var again = await raw.ExpectMethodAsync<Wire.BasicDeliver>(1);
        var (_, body) = await raw.ReadContentAsync(1);

        Assert.False(first.Redelivered);
        Assert.True(again.Redelivered);
        Assert.Equal("c1", again.ConsumerTag);
        Assert.True(again.DeliveryTag > first.DeliveryTag);
        Assert.Equal("again", Encoding.UTF8.GetString(body));
    }

    [Fact]
    public async Task Two_hundred_connections_with_two_channels_each_all_work_at_once()
    {
        const int Connections = 200;
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var connections = await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => RabbitMq.ConnectAsync(server)));
        try
        {
            var results = await Task.WhenAll(connections.Select(async (connection, i) =>
            {
                await using var consumerChannel = await connection.CreateChannelAsync();
                await using var publisherChannel = await connection.CreateChannelAsync();
                var queue = await consumerChannel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
                var consumer = new CollectingConsumer(consumerChannel);
                await consumerChannel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
                await RabbitMq.PublishAsync(publisherChannel, "", queue.QueueName, $"hello {i}");
                return (await consumer.WaitForAsync(1, TimeSpan.FromSeconds(30)))[0].Text;
            })).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(Enumerable.Range(0, Connections).Select(i => $"hello {i}"), results);
            Assert.Equal(Connections, server.Broker.Connections.Count);
        }
        finally
        {
            await Task.WhenAll(connections.Select(async c => await c.DisposeAsync()));
        }
        await Eventually.TrueAsync(() => server.Broker.Connections.Count == 0, "closed connections are still listed");
    }
}
