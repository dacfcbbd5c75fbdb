using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;
using QueueDeclareOk = Tidings.Amqp.Protocol.QueueDeclareOk;
using RabbitTimestamp = RabbitMQ.Client.AmqpTimestamp;

namespace Tidings.Amqp.Tests.Protocol;

/// <summary>
/// The real RabbitMQ .NET client (public API only) talks over loopback to a scripted peer that
/// speaks nothing but this codec: whatever the client encodes we must decode, and whatever we
/// encode the client must decode. No broker logic is involved.
/// </summary>
public sealed class RabbitMqClientInteropTests
{
    private const uint FrameMax = 8192;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Real_client_frames_decode_and_our_frames_are_decoded_by_the_client()
    {
        using var cts = new CancellationTokenSource(Timeout);
        var ct = cts.Token;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var factory = new ConnectionFactory
        {
            HostName = IPAddress.Loopback.ToString(),
            Port = ((IPEndPoint)listener.LocalEndpoint).Port,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = TimeSpan.Zero,
            ClientProvidedName = "interop",
        };

        byte[] publishedBody = Enumerable.Range(0, 20_000).Select(i => (byte)i).ToArray();
        byte[] deliveredBody = Enumerable.Range(0, 30_000).Select(i => (byte)(i * 3)).ToArray();
        var client = Task.Run(() => RunClientAsync(factory, publishedBody, ct), ct);

        using var socket = await listener.AcceptSocketAsync(ct);
        await using var peer = new CodecPeer(socket);

        Assert.True(await peer.ReadProtocolHeaderAsync(ct));
        await peer.SendAsync(w => FrameWriter.WriteMethod(w, 0, new ConnectionStart
        {
            ServerProperties = new()
            {
                ["product"] = "Tidings",
                ["capabilities"] = new Dictionary<string, object?> { ["publisher_confirms"] = true, ["basic.nack"] = true },
            },
        }), ct);

        var startOk = await peer.ExpectMethodAsync<ConnectionStartOk>(0, ct);
        Assert.Equal("PLAIN", startOk.Mechanism);
        Assert.Equal("\0guest\0guest", Encoding.UTF8.GetString(startOk.Response.Span));
        Assert.Equal("interop", startOk.ClientProperties!["connection_name"]);
        var capabilities = Assert.IsType<Dictionary<string, object?>>(startOk.ClientProperties["capabilities"]);
        Assert.Equal(true, capabilities["publisher_confirms"]);

        await peer.SendAsync(w => FrameWriter.WriteMethod(w, 0, new ConnectionTune { ChannelMax = 2047, FrameMax = FrameMax, Heartbeat = 0 }), ct);
        var tuneOk = await peer.ExpectMethodAsync<ConnectionTuneOk>(0, ct);
        Assert.Equal(FrameMax, tuneOk.FrameMax);

        Assert.Equal("/", (await peer.ExpectMethodAsync<ConnectionOpen>(0, ct)).VirtualHost);
        await peer.SendAsync(w => FrameWriter.WriteMethod(w, 0, new ConnectionOpenOk()), ct);

        await peer.ExpectMethodAsync<ChannelOpen>(1, ct);
        await peer.SendAsync(w => FrameWriter.WriteMethod(w, 1, new ChannelOpenOk()), ct);

        var declare = await peer.ExpectMethodAsync<QueueDeclare>(1, ct);
        Assert.Equal("q1", declare.Queue);
        Assert.Equal((false, true, false, true, false), (declare.Passive, declare.Durable, declare.Exclusive, declare.AutoDelete, declare.NoWait));
        AssertClientArguments(declare.Arguments!);
        await peer.SendAsync(w => FrameWriter.WriteMethod(w, 1, new QueueDeclareOk { Queue = "q1", MessageCount = 3, ConsumerCount = 4 }), ct);

        var publish = await peer.ExpectMethodAsync<BasicPublish>(1, ct);
        Assert.Equal(("ex", "rk", true, false), (publish.Exchange, publish.RoutingKey, publish.Mandatory, publish.Immediate));
        var (header, body) = await peer.ReadContentAsync(1, ct);
        Assert.Equal(ContentHeaderCodec.BasicClassId, header.ClassId);
        Assert.Equal(publishedBody, body);
        AssertClientProperties(header.Properties);

        var consume = await peer.ExpectMethodAsync<BasicConsume>(1, ct);
        Assert.Equal(("q1", false), (consume.Queue, consume.NoAck));
        string consumerTag = consume.ConsumerTag.Length > 0 ? consume.ConsumerTag : "amq.ctag-1";
        await peer.SendAsync(w => FrameWriter.WriteMethod(w, 1, new BasicConsumeOk { ConsumerTag = consumerTag }), ct);

        await peer.SendAsync(w => FrameWriter.WriteContentMethod(
            w,
            1,
            new BasicDeliver { ConsumerTag = consumerTag, DeliveryTag = 77, Redelivered = true, Exchange = "amq.topic", RoutingKey = "a.b" },
            ServerProperties,
            deliveredBody,
            FrameMax), ct);

        // The client closes once the delivery arrived; answer whatever close it sends.
        while (true)
        {
            var frame = await peer.ReadFrameAsync(ct);
            if (frame.Type == FrameType.Method && frame.MethodId == AmqpMethodId.ConnectionClose)
            {
                await peer.SendAsync(w => FrameWriter.WriteMethod(w, 0, new ConnectionCloseOk()), ct);
                break;
            }

            if (frame.Type == FrameType.Method && frame.MethodId == AmqpMethodId.ChannelClose)
            {
                await peer.SendAsync(w => FrameWriter.WriteMethod(w, frame.Channel, new ChannelCloseOk()), ct);
            }
        }

        var result = await client.WaitAsync(ct);
        Assert.Equal((3u, 4u), (result.MessageCount, result.ConsumerCount));
        Assert.Equal((consumerTag, 77UL, true, "amq.topic", "a.b"), (result.ConsumerTag, result.DeliveryTag, result.Redelivered, result.Exchange, result.RoutingKey));
        Assert.Equal(deliveredBody, result.Body);
        AssertPropertiesAsClientSawThem(result.Properties);
    }

    private static readonly MessageProperties ServerProperties = new()
    {
        ContentType = "application/json",
        ContentEncoding = "utf-8",
        Headers = new Dictionary<string, object?>
        {
            ["int"] = 42,
            ["long"] = -5L,
            ["text"] = "grüße",
            ["flag"] = true,
            ["double"] = 2.5d,
            ["nested"] = new Dictionary<string, object?> { ["n"] = (short)-7 },
            ["list"] = new List<object?> { 1, "two" },
            ["time"] = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
            ["dec"] = 3.14m,
            ["void"] = null,
            ["bin"] = new byte[] { 9, 8 },
        },
        Durable = true,
        Priority = 5,
        CorrelationId = "corr-9",
        ReplyTo = "amq.rabbitmq.reply-to.g1h2",
        TimeToLiveMs = 1000,
        MessageId = "m-9",
        TimestampMs = 1_700_000_123_000,
        Type = "t",
        UserId = "guest",
        AppId = "tidings",
    };

    private static void AssertClientArguments(Dictionary<string, object?> arguments)
    {
        Assert.Equal(5, arguments["x-int"]);
        Assert.Equal(6L, arguments["x-long"]);
        Assert.Equal("quorum", arguments["x-text"]);
        Assert.Equal(true, arguments["x-bool"]);
        Assert.Equal(1.5d, arguments["x-double"]);
        Assert.Equal(0.25f, arguments["x-float"]);
        Assert.Equal((byte)200, arguments["x-byte"]);
        Assert.Equal((sbyte)-3, arguments["x-sbyte"]);
        Assert.Equal((short)-300, arguments["x-short"]);
        Assert.Equal(1.234m, arguments["x-decimal"]);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), arguments["x-time"]);
        Assert.Null(arguments["x-void"]);
        var list = Assert.IsType<List<object?>>(arguments["x-list"]);
        Assert.Equal([1, "a"], list);
        var table = Assert.IsType<Dictionary<string, object?>>(arguments["x-table"]);
        Assert.Equal(7, table["inner"]);
    }

    private static void AssertClientProperties(MessageProperties p)
    {
        Assert.Equal(
            ("text/plain", "gzip", (bool?)true, (byte?)7, "corr", "reply", (long?)60000, "mid", (long?)1_700_000_000_000),
            (p.ContentType, p.ContentEncoding, p.Durable, p.Priority, p.CorrelationId, p.ReplyTo, p.TimeToLiveMs, p.MessageId, p.TimestampMs));
        Assert.Equal(("type", "guest", "app"), (p.Type, p.UserId, p.AppId));
        // cluster_id has no neutral field: it lives on in the AMQP encoding the properties keep.
        Assert.Equal(NativeEncoding.Amqp091, p.Native?.Protocol);
        Assert.True(p.Native!.Bytes.Span.IndexOf("cluster"u8) >= 0, "cluster_id is missing from the kept encoding");
        Assert.Equal(1, p.Headers!["h-int"]);
        Assert.Equal("v", p.Headers["h-text"]);
    }

    private static void AssertPropertiesAsClientSawThem(IReadOnlyBasicProperties p)
    {
        Assert.Equal(("application/json", "utf-8", DeliveryModes.Persistent, (byte)5), (p.ContentType, p.ContentEncoding, p.DeliveryMode, p.Priority));
        Assert.Equal(("corr-9", "amq.rabbitmq.reply-to.g1h2", "1000", "m-9"), (p.CorrelationId, p.ReplyTo, p.Expiration, p.MessageId));
        Assert.Equal(1_700_000_123, p.Timestamp.UnixTime);
        Assert.Equal(("t", "guest", "tidings", (string?)null), (p.Type, p.UserId, p.AppId, p.ClusterId));

        var headers = p.Headers!;
        Assert.Equal(42, headers["int"]);
        Assert.Equal(-5L, headers["long"]);
        Assert.Equal("grüße", Encoding.UTF8.GetString((byte[])headers["text"]!)); // the client reads 'S' as bytes
        Assert.Equal(true, headers["flag"]);
        Assert.Equal(2.5d, headers["double"]);
        Assert.Equal((short)-7, ((IDictionary<string, object?>)headers["nested"]!)["n"]);
        var list = (IList<object?>)headers["list"]!;
        Assert.Equal(1, list[0]);
        Assert.Equal("two", Encoding.UTF8.GetString((byte[])list[1]!));
        Assert.Equal(1_700_000_000, ((RabbitTimestamp)headers["time"]!).UnixTime);
        Assert.Equal(3.14m, headers["dec"]);
        Assert.Null(headers["void"]);
        Assert.Equal(new byte[] { 9, 8 }, ((BinaryTableValue)headers["bin"]!).Bytes);
    }

    private static async Task<ClientResult> RunClientAsync(ConnectionFactory factory, byte[] body, CancellationToken ct)
    {
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);

        var arguments = new Dictionary<string, object?>
        {
            ["x-int"] = 5,
            ["x-long"] = 6L,
            ["x-text"] = "quorum",
            ["x-bool"] = true,
            ["x-double"] = 1.5d,
            ["x-float"] = 0.25f,
            ["x-byte"] = (byte)200,
            ["x-sbyte"] = (sbyte)-3,
            ["x-short"] = (short)-300,
            ["x-decimal"] = 1.234m,
            ["x-time"] = new RabbitTimestamp(1_700_000_000),
            ["x-void"] = null,
            ["x-list"] = new List<object?> { 1, "a" },
            ["x-table"] = new Dictionary<string, object?> { ["inner"] = 7 },
        };
        var declareOk = await channel.QueueDeclareAsync("q1", durable: true, exclusive: false, autoDelete: true, arguments: arguments, cancellationToken: ct);

        var properties = new BasicProperties
        {
            ContentType = "text/plain",
            ContentEncoding = "gzip",
            Headers = new Dictionary<string, object?> { ["h-int"] = 1, ["h-text"] = "v" },
            DeliveryMode = DeliveryModes.Persistent,
            Priority = 7,
            CorrelationId = "corr",
            ReplyTo = "reply",
            Expiration = "60000",
            MessageId = "mid",
            Timestamp = new RabbitTimestamp(1_700_000_000),
            Type = "type",
            UserId = "guest",
            AppId = "app",
            ClusterId = "cluster",
        };
        await channel.BasicPublishAsync("ex", "rk", mandatory: true, properties, body, ct);

        var delivered = new TaskCompletionSource<ClientResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, e) =>
        {
            // The body and properties are only valid during the handler: copy them.
            delivered.TrySetResult(new ClientResult(
                declareOk.MessageCount, declareOk.ConsumerCount, e.ConsumerTag, e.DeliveryTag, e.Redelivered, e.Exchange, e.RoutingKey,
                new BasicProperties(e.BasicProperties), e.Body.ToArray()));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync("q1", autoAck: false, consumer, ct);

        var result = await delivered.Task.WaitAsync(ct);
        await connection.CloseAsync(ct);
        return result;
    }

    private sealed record ClientResult(
        uint MessageCount,
        uint ConsumerCount,
        string ConsumerTag,
        ulong DeliveryTag,
        bool Redelivered,
        string Exchange,
        string RoutingKey,
        IReadOnlyBasicProperties Properties,
        byte[] Body);

    /// <summary>The scripted server side: frames in and out through FrameReader/FrameWriter only.</summary>
    private sealed class CodecPeer : IAsyncDisposable
    {
        // The accepted socket's stream; owned here.
        private readonly NetworkStream _stream;

        // Incoming bytes; frames are copied out before the reader advances.
        private readonly PipeReader _input;

        // Outgoing bytes; flushed after every send.
        private readonly PipeWriter _output;

        public CodecPeer(Socket socket)
        {
            _stream = new NetworkStream(socket, ownsSocket: false);
            _input = PipeReader.Create(_stream);
            _output = PipeWriter.Create(_stream);
        }

        public async Task<bool> ReadProtocolHeaderAsync(CancellationToken ct)
        {
            while (true)
            {
                var result = await _input.ReadAsync(ct);
                var buffer = result.Buffer;
                if (ProtocolHeader.TryRead(ref buffer, out bool isAmqp091))
                {
                    _input.AdvanceTo(buffer.Start);
                    return isAmqp091;
                }

                Assert.False(result.IsCompleted, "connection closed before the protocol header");
                _input.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        public async Task<ReceivedFrame> ReadFrameAsync(CancellationToken ct)
        {
            while (true)
            {
                var result = await _input.ReadAsync(ct);
                var buffer = result.Buffer;
                if (FrameReader.TryReadFrame(ref buffer, FrameMax, out var frame))
                {
                    var copy = new ReceivedFrame(frame.Type, frame.Channel, frame.Payload.ToArray());
                    _input.AdvanceTo(buffer.Start);
                    return copy;
                }

                Assert.False(result.IsCompleted, "connection closed in the middle of a frame");
                _input.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        public async Task<T> ExpectMethodAsync<T>(ushort channel, CancellationToken ct)
            where T : struct, IAmqpMethod<T>
        {
            var frame = await ReadFrameAsync(ct);
            Assert.Equal(FrameType.Method, frame.Type);
            Assert.Equal(default(T).Id, frame.MethodId);
            Assert.Equal(channel, frame.Channel);
            return T.Read(new ReadOnlySequence<byte>(frame.Payload, 4, frame.Payload.Length - 4));
        }

        public async Task<(ContentHeader Header, byte[] Body)> ReadContentAsync(ushort channel, CancellationToken ct)
        {
            var headerFrame = await ReadFrameAsync(ct);
            Assert.Equal((FrameType.Header, channel), (headerFrame.Type, headerFrame.Channel));
            var header = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(headerFrame.Payload));
            var body = new List<byte>();
            while ((ulong)body.Count < header.BodySize)
            {
                var frame = await ReadFrameAsync(ct);
                Assert.Equal((FrameType.Body, channel), (frame.Type, frame.Channel));
                Assert.True(frame.Payload.Length + 8 <= FrameMax);
                body.AddRange(frame.Payload);
            }

            return (header, body.ToArray());
        }

        public async Task SendAsync(Action<IBufferWriter<byte>> write, CancellationToken ct)
        {
            write(_output);
            await _output.FlushAsync(ct);
        }

        public async ValueTask DisposeAsync()
        {
            await _input.CompleteAsync();
            await _output.CompleteAsync();
            await _stream.DisposeAsync();
        }
    }

    private sealed record ReceivedFrame(FrameType Type, ushort Channel, byte[] Payload)
    {
        public AmqpMethodId MethodId => (AmqpMethodId)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(Payload);
    }
}
