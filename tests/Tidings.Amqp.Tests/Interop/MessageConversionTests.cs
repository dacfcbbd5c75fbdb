using System.Text;
using RabbitMQ.Client;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>
/// The AMQP column of docs/MESSAGES.md's conversion table, row by row, with RabbitMQ.Client on the
/// AMQP side: neutral messages (as the MQTT, SQS and HTTP doors make them) read by an AMQP client,
/// and AMQP messages read back by the core and by another AMQP client.
/// </summary>
public sealed class MessageConversionTests
{
    [Fact]
    public async Task A_neutral_message_reaches_an_AMQP_client_as_the_conversion_table_says()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareQueue("converted");
        vhost.Publish("", "converted", new MessageProperties
        {
            Durable = true,
            Priority = 4,
            TimeToLiveMs = 60_000,
            TimestampMs = 1_700_000_000_750,
            ContentType = "application/octet-stream",
            ContentEncoding = "identity",
            CorrelationData = [0xC0, 0xFF, 0xEE],
            ReplyTo = "replies",
            MessageId = "m-1",
            Type = "report",
            AppId = "hive-7",
            Headers = new MessageHeaders([
                new("sensor", "door"),
                new("sensor", "window"),
                new("count", 12),
                new("ratio", 0.5d),
                new("price", 12.25m),
                new("seen", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_750)),
                new("raw", new byte[] { 1, 2 }),
                new("invalid-utf8", new RawText([0xFF, 0xFE])),
                new("reading", new AttributeValue("Number.float", "21.5")),
                new("blob", new AttributeValue("Binary.png", new byte[] { 9 })),
                new("nested", new Dictionary<string, object?> { ["n"] = 1L }),
            ]),
        }, "body"u8.ToArray());

        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        var got = await channel.BasicGetAsync("converted", autoAck: true);

        Assert.NotNull(got);
        var p = got.BasicProperties;
        Assert.Equal(DeliveryModes.Persistent, p.DeliveryMode);
        Assert.Equal((byte)4, p.Priority);
        Assert.Equal("60000", p.Expiration);
        Assert.Equal(1_700_000_000, p.Timestamp.UnixTime);
        Assert.Equal(("application/octet-stream", "identity"), (p.ContentType, p.ContentEncoding));
        Assert.Null(p.CorrelationId);
        Assert.Equal(("replies", "m-1", "report", "hive-7"), (p.ReplyTo, p.MessageId, p.Type, p.AppId));
        Assert.Null(p.ClusterId);

        var headers = p.Headers!;
        Assert.Equal(new byte[] { 0xC0, 0xFF, 0xEE }, Bytes(headers["x-correlation-id"]));
        var sensors = Assert.IsAssignableFrom<IList<object>>(headers["sensor"]);
        Assert.Equal(["door", "window"], sensors.Select(RabbitMq.Text));
        Assert.Equal(12, headers["count"]);
        Assert.Equal(0.5d, headers["ratio"]);
        Assert.Equal(12.25m, headers["price"]);
        Assert.Equal(1_700_000_000, Assert.IsType<AmqpTimestamp>(headers["seen"]).UnixTime);
        Assert.Equal(new byte[] { 1, 2 }, Bytes(headers["raw"]));
        Assert.Equal(new byte[] { 0xFF, 0xFE }, headers["invalid-utf8"]);
        Assert.Equal("21.5", RabbitMq.Text(headers["reading"]));
        Assert.Equal(new byte[] { 9 }, Bytes(headers["blob"]));
        Assert.Equal(1L, Assert.IsAssignableFrom<IDictionary<string, object?>>(headers["nested"])["n"]);
        Assert.Equal("body"u8.ToArray(), got.Body.ToArray());
    }

    /// <summary>RabbitMQ.Client reads AMQP byte arrays ('x') as BinaryTableValue and long strings ('S') as byte[].</summary>
    private static byte[] Bytes(object? value) => value is BinaryTableValue b ? b.Bytes : (byte[])value!;

    [Fact]
    public async Task An_AMQP_message_is_read_by_the_core_in_neutral_fields_and_by_AMQP_byte_for_byte()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        await using var connection = await RabbitMq.ConnectAsync(server);
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync("amqp-in", durable: false, exclusive: false, autoDelete: false);
        await channel.QueueDeclareAsync("amqp-out", durable: false, exclusive: false, autoDelete: false);
        var sent = new BasicProperties
        {
            DeliveryMode = DeliveryModes.Transient,
            Expiration = "0500",
            ClusterId = "cluster-7",
            CorrelationId = "corr",
            Timestamp = new AmqpTimestamp(1_700_000_001),
            Headers = new Dictionary<string, object?> { ["h"] = "v" },
        };
        await channel.BasicPublishAsync("", "amqp-in", mandatory: false, sent, "x"u8.ToArray());
        await channel.BasicPublishAsync("", "amqp-out", mandatory: false, sent, "y"u8.ToArray());

        // The core's view: the neutral fields.
        await Eventually.TrueAsync(() => server.Broker.DefaultVirtualHost.FindQueue("amqp-in")!.MessageCount == 1, "the message arrived");
        var session = server.Broker.OpenConnection(server.Broker.FindUser("guest")!, "/", "test").OpenSession(1);
        var neutral = session.Get("amqp-in", noAck: true)!.Message.Properties;
        Assert.Equal((bool?)false, neutral.Durable);
        Assert.Equal(500L, neutral.TimeToLiveMs);
        Assert.Equal(1_700_000_001_000L, neutral.TimestampMs);
        Assert.Equal("corr", neutral.CorrelationId);
        Assert.Equal("v", neutral.Headers!["h"]);
        Assert.Equal(NativeEncoding.Amqp091, neutral.Native?.Protocol);

        // An AMQP consumer's view: what the publisher sent, including what the neutral fields cannot say.
        var got = await channel.BasicGetAsync("amqp-out", autoAck: true);
        Assert.NotNull(got);
        Assert.Equal(DeliveryModes.Transient, got.BasicProperties.DeliveryMode);
        Assert.Equal("0500", got.BasicProperties.Expiration);
        Assert.Equal("cluster-7", got.BasicProperties.ClusterId);
        Assert.Equal("v", Encoding.UTF8.GetString((byte[])got.BasicProperties.Headers!["h"]!));
    }
}
