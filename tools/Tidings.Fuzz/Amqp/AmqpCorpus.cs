using System.Buffers;
using System.Text;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;

namespace Tidings.Fuzz.Amqp;

/// <summary>
/// Valid client sessions, encoded with the broker's own FrameWriter and generated method
/// structs, so the corpus follows the protocol code when it changes. Between them they walk
/// every method class a client sends: handshake, topology with arguments, publish with every
/// property, consume, get, ack, nack, reject, recover, qos, flow, transactions, confirms, close.
/// </summary>
internal static class AmqpCorpus
{
    public const uint FrameMax = 131072;

    public static IReadOnlyList<AmqpSession> Build() =>
    [
        PublishAndConsume(),
        Transactions(),
        ServerNamedAndReturns(),
        ManyChannels(),
        HandshakeOnly(),
    ];

    /// <summary>Header, start-ok (PLAIN guest/guest), tune-ok, open "/".</summary>
    public static List<byte[]> Handshake(ushort heartbeat = 0) =>
    [
        ProtocolHeader.Amqp091.ToArray(),
        Method(0, new ConnectionStartOk
        {
            ClientProperties = new Dictionary<string, object?>
            {
                ["product"] = "tidings-fuzz",
                ["capabilities"] = new Dictionary<string, object?>
                {
                    ["publisher_confirms"] = true, ["consumer_cancel_notify"] = true,
                    ["basic.nack"] = true, ["connection.blocked"] = true, ["authentication_failure_close"] = true,
                },
            },
            Mechanism = "PLAIN",
            Response = "\0guest\0guest"u8.ToArray(),
        }),
        Method(0, new ConnectionTuneOk { ChannelMax = 2047, FrameMax = FrameMax, Heartbeat = heartbeat }),
        Method(0, new ConnectionOpen { VirtualHost = "/" }),
    ];

    public static List<byte[]> Close() =>
    [
        Method(0, new ConnectionClose { ReplyCode = 200, ReplyText = "bye" }),
    ];

    private static AmqpSession PublishAndConsume()
    {
        var f = Handshake();
        f.Add(Method(1, new ChannelOpen()));
        f.Add(Method(1, new ExchangeDeclare
        {
            Exchange = "fz.topic",
            Type = "topic",
            Arguments = new Dictionary<string, object?> { ["alternate-exchange"] = "amq.fanout" },
        }));
        f.Add(Method(1, new ExchangeDeclare { Exchange = "fz.headers", Type = "headers", AutoDelete = true }));
        f.Add(Method(1, new QueueDeclare
        {
            Queue = "fz.q",
            Arguments = new Dictionary<string, object?>
            {
                ["x-message-ttl"] = 60_000,
                ["x-max-length"] = 100L,
                ["x-max-length-bytes"] = 1_000_000,
                ["x-overflow"] = "reject-publish",
                ["x-dead-letter-exchange"] = "fz.topic",
                ["x-dead-letter-routing-key"] = "dead",
                ["x-max-priority"] = (byte)5,
                ["x-expires"] = 600_000,
            },
        }));
        f.Add(Method(1, new QueueBind { Queue = "fz.q", Exchange = "fz.topic", RoutingKey = "a.*.#" }));
        f.Add(Method(1, new QueueBind
        {
            Queue = "fz.q",
            Exchange = "fz.headers",
            Arguments = new Dictionary<string, object?> { ["x-match"] = "any", ["kind"] = "k" },
        }));
        f.Add(Method(1, new ExchangeBind { Destination = "fz.headers", Source = "fz.topic", RoutingKey = "#" }));
        f.Add(Method(1, new BasicQos { PrefetchCount = 10 }));
        f.Add(Method(1, new BasicQos { PrefetchCount = 50, Global = true }));
        f.Add(Method(1, new ConfirmSelect()));
        f.AddRange(Publish(1, "fz.topic", "a.b.c", FullProperties(), Encoding.UTF8.GetBytes("hello fuzz"), bodyFrames: 2));
        f.AddRange(Publish(1, "", "fz.q", new MessageProperties { Durable = true, TimeToLiveMs = 5000 }, new byte[300], bodyFrames: 1));
        f.AddRange(Publish(1, "fz.topic", "a.x", MessageProperties.Empty, [], bodyFrames: 0));
        f.Add(Method(1, new BasicConsume
        {
            Queue = "fz.q",
            ConsumerTag = "c1",
            Arguments = new Dictionary<string, object?> { ["x-priority"] = 3 },
        }));
        f.Add(Method(1, new BasicGet { Queue = "fz.q" }));
        f.Add(Method(1, new BasicAck { DeliveryTag = 1 }));
        f.Add(Method(1, new BasicNack { DeliveryTag = 2, Multiple = true, Requeue = true }));
        f.Add(Method(1, new BasicReject { DeliveryTag = 3, Requeue = false }));
        f.Add(Method(1, new BasicRecover { Requeue = true }));
        // Only active=true: RabbitMQ (and Tidings) answer active=false with 540 NOT_IMPLEMENTED.
        f.Add(Method(1, new ChannelFlow { Active = true }));
        f.Add(FrameWriter.HeartbeatFrame.ToArray());
        f.Add(Method(1, new BasicCancel { ConsumerTag = "c1" }));
        f.Add(Method(1, new QueuePurge { Queue = "fz.q" }));
        f.Add(Method(1, new QueueUnbind { Queue = "fz.q", Exchange = "fz.topic", RoutingKey = "a.*.#" }));
        f.Add(Method(1, new ExchangeUnbind { Destination = "fz.headers", Source = "fz.topic", RoutingKey = "#" }));
        f.Add(Method(1, new QueueDelete { Queue = "fz.q", IfUnused = true }));
        f.Add(Method(1, new ExchangeDelete { Exchange = "fz.topic" }));
        f.Add(Method(1, new ChannelClose { ReplyCode = 200, ReplyText = "done" }));
        f.AddRange(Close());
        return new AmqpSession("publish-consume", f);
    }

    private static AmqpSession Transactions()
    {
        var f = Handshake();
        f.Add(Method(2, new ChannelOpen()));
        f.Add(Method(2, new QueueDeclare { Queue = "fz.tx", Durable = false, AutoDelete = true }));
        f.Add(Method(2, new TxSelect()));
        f.AddRange(Publish(2, "", "fz.tx", new MessageProperties { ContentType = "text/plain", Priority = 1 }, "one"u8.ToArray(), 1));
        f.Add(Method(2, new TxCommit()));
        f.AddRange(Publish(2, "", "fz.tx", MessageProperties.Empty, "two"u8.ToArray(), 1));
        f.Add(Method(2, new TxRollback()));
        f.Add(Method(2, new BasicGet { Queue = "fz.tx" }));
        f.Add(Method(2, new BasicAck { DeliveryTag = 1 }));
        f.Add(Method(2, new TxCommit()));
        f.Add(Method(2, new BasicGet { Queue = "fz.tx", NoAck = true }));
        f.AddRange(Close());
        return new AmqpSession("transactions", f);
    }

    private static AmqpSession ServerNamedAndReturns()
    {
        var f = Handshake();
        f.Add(Method(1, new ChannelOpen()));
        f.Add(Method(1, new QueueDeclare { Queue = "", Exclusive = true }));
        f.Add(Method(1, new QueueDeclare { Queue = "fz.passive", AutoDelete = true }));
        f.Add(Method(1, new QueueDeclare { Queue = "fz.passive", Passive = true }));
        f.Add(Method(3, new ChannelOpen()));
        f.Add(Method(3, new ConfirmSelect()));
        f.AddRange(Publish(3, "amq.direct", "nowhere", MessageProperties.Empty, "lost"u8.ToArray(), 1, mandatory: true));
        f.Add(Method(3, new QueueDeclare { Queue = "fz.ex", Exclusive = true, Arguments = new Dictionary<string, object?> { ["x-queue-type"] = "classic" } }));
        f.Add(Method(3, new BasicConsume { Queue = "fz.ex", NoAck = true, Exclusive = true }));
        f.Add(Method(3, new BasicConsume { Queue = "amq.rabbitmq.reply-to", NoAck = true }));
        f.AddRange(Publish(3, "", "fz.ex", new MessageProperties { ReplyTo = "amq.rabbitmq.reply-to", CorrelationId = "c" }, "x"u8.ToArray(), 1));
        f.Add(Method(3, new ChannelClose { ReplyCode = 200, ReplyText = "" }));
        f.AddRange(Close());
        f.Add(Method(0, new ConnectionCloseOk()));
        return new AmqpSession("server-named-returns", f);
    }

    private static AmqpSession ManyChannels()
    {
        var f = Handshake(heartbeat: 30);
        for (ushort ch = 1; ch <= 4; ch++) f.Add(Method(ch, new ChannelOpen()));
        f.Add(Method(4, new QueueDeclare { Queue = "fz.many", AutoDelete = true }));
        for (ushort ch = 1; ch <= 3; ch++)
            f.AddRange(Publish(ch, "", "fz.many", new MessageProperties { MessageId = $"m{ch}", TimestampMs = 1_700_000_000_000L },
                new byte[ch * 100], 1));
        f.Add(Method(4, new BasicConsume { Queue = "fz.many", ConsumerTag = "many" }));
        f.Add(Method(4, new BasicAck { DeliveryTag = 3, Multiple = true }));
        f.Add(Method(2, new ChannelClose { ReplyCode = 200, ReplyText = "" }));
        f.Add(Method(1, new AccessRequest { Realm = "/data" }));
        f.AddRange(Close());
        return new AmqpSession("many-channels", f);
    }

    private static AmqpSession HandshakeOnly()
    {
        var f = Handshake();
        f.AddRange(Close());
        return new AmqpSession("handshake", f);
    }

    private static MessageProperties FullProperties() => new()
    {
        ContentType = "application/json",
        ContentEncoding = "utf-8",
        Headers = new Dictionary<string, object?>
        {
            ["kind"] = "k",
            ["n"] = 42,
            ["big"] = long.MaxValue,
            ["flag"] = true,
            ["pi"] = 3.14,
            ["when"] = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
            ["dec"] = new AmqpDecimal(2, 12345),
            ["list"] = new List<object?> { 1, "two", null },
            ["nested"] = new Dictionary<string, object?> { ["deep"] = (byte)1 },
            ["bytes"] = new byte[] { 1, 2, 3 },
            ["x-delay"] = (short)5,
        },
        Durable = false,
        Priority = 4,
        CorrelationId = "corr",
        ReplyTo = "reply",
        TimeToLiveMs = 60000,
        MessageId = "id-1",
        TimestampMs = 1_700_000_000_000L,
        Type = "t",
        UserId = "guest",
        AppId = "fuzz",
    };

    private static IEnumerable<byte[]> Publish(ushort channel, string exchange, string routingKey, MessageProperties properties,
        byte[] body, int bodyFrames, bool mandatory = false)
    {
        yield return Method(channel, new BasicPublish { Exchange = exchange, RoutingKey = routingKey, Mandatory = mandatory });
        var header = new ArrayBufferWriter<byte>();
        FrameWriter.WriteContentHeader(header, channel, (ulong)body.Length, properties);
        yield return header.WrittenSpan.ToArray();
        if (body.Length == 0 || bodyFrames == 0) yield break;
        int size = (body.Length + bodyFrames - 1) / bodyFrames;
        for (int offset = 0; offset < body.Length; offset += size)
        {
            var frame = new ArrayBufferWriter<byte>();
            FrameWriter.WriteBody(frame, channel, body.AsSpan(offset, Math.Min(size, body.Length - offset)), FrameMax);
            yield return frame.WrittenSpan.ToArray();
        }
    }

    public static byte[] Method<TMethod>(ushort channel, TMethod method) where TMethod : IAmqpMethod
    {
        var writer = new ArrayBufferWriter<byte>();
        FrameWriter.WriteMethod(writer, channel, method);
        return writer.WrittenSpan.ToArray();
    }
}
