using System.Net;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Tidings.Http.Tests.Messaging;

public sealed class PublishTests
{
    private sealed record Received(string RoutingKey, string Exchange, IReadOnlyBasicProperties Properties, byte[] Body);

    [Fact]
    public async Task Publish_over_http_reaches_a_rabbitmq_client_consumer_with_its_properties()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync("events", ExchangeType.Topic);
        await channel.QueueDeclareAsync("audit", durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("audit", "events", "user.*");
        var received = new TaskCompletionSource<Received>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, e) =>
        {
            // The body and properties are only valid during the handler: copy them.
            received.TrySetResult(new Received(e.RoutingKey, e.Exchange, new BasicProperties(e.BasicProperties), e.Body.ToArray()));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync("audit", autoAck: true, consumer);
        using var client = server.Client();

        using var response = await Rest.PublishAsync(client, "events", new
        {
            routing_key = "user.created",
            payload = "{\"id\":42}",
            properties = new
            {
                content_type = "application/json",
                delivery_mode = 2,
                priority = 5,
                correlation_id = "corr-1",
                reply_to = "replies",
                expiration = "60000",
                message_id = "msg-1",
                timestamp = 1_700_000_000,
                type = "user.created",
                app_id = "web",
                headers = new Dictionary<string, object?> { ["tenant"] = "acme", ["attempt"] = 1, ["ok"] = true, ["nested"] = new { a = 1.5 } },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = await Rest.JsonAsync(response);
        Assert.True(result.GetProperty("routed").GetBoolean());
        Assert.False(result.GetProperty("rejected").GetBoolean());
        var message = await received.Task.WaitAsync(Rest.Timeout);
        Assert.Equal("events", message.Exchange);
        Assert.Equal("user.created", message.RoutingKey);
        Assert.Equal("{\"id\":42}", Encoding.UTF8.GetString(message.Body));
        var p = message.Properties;
        Assert.Equal("application/json", p.ContentType);
        Assert.Equal(DeliveryModes.Persistent, p.DeliveryMode);
        Assert.Equal(5, p.Priority);
        Assert.Equal("corr-1", p.CorrelationId);
        Assert.Equal("replies", p.ReplyTo);
        Assert.Equal("60000", p.Expiration);
        Assert.Equal("msg-1", p.MessageId);
        Assert.Equal(1_700_000_000, p.Timestamp.UnixTime);
        Assert.Equal("user.created", p.Type);
        Assert.Equal("web", p.AppId);
        Assert.Equal("acme", Encoding.UTF8.GetString((byte[])p.Headers!["tenant"]!));
        Assert.Equal(1L, Convert.ToInt64(p.Headers["attempt"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(true, p.Headers["ok"]);
        Assert.Equal(1.5, Convert.ToDouble(((IDictionary<string, object?>)p.Headers["nested"]!)["a"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Payload_encodings_base64_and_json_set_the_body_bytes()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();

        using var b64 = await Rest.PublishAsync(client, "amq.default",
            new { routing_key = "q", payload = Convert.ToBase64String(new byte[] { 1, 2, 255 }), payload_encoding = "base64" });
        using var json = await Rest.PublishAsync(client, "amq.default",
            new { routing_key = "q", payload = new { order = 7, items = new[] { "a" } } });
        Assert.Equal(HttpStatusCode.OK, b64.StatusCode);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);

        using var session = server.Broker.OpenConnection(server.Broker.FindUser("guest")!, "/", "test");
        var s = session.OpenSession(1);
        Assert.Equal(new byte[] { 1, 2, 255 }, s.Get("q", noAck: true)!.Message.Body.ToArray());
        var second = s.Get("q", noAck: true)!.Message;
        Assert.Equal("""{"order":7,"items":["a"]}""", Encoding.UTF8.GetString(second.Body.Span));
        Assert.Equal("application/json", second.Properties.ContentType);
    }

    [Fact]
    public async Task Publishing_an_unroutable_message_answers_routed_false()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        using var response = await Rest.PublishAsync(client, "amq.direct", new { routing_key = "nobody", payload = "x", mandatory = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False((await Rest.JsonAsync(response)).GetProperty("routed").GetBoolean());
    }

    [Fact]
    public async Task Publish_while_a_resource_alarm_is_on_is_refused_with_503_and_the_alarm()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();
        server.Broker.Alarms.Set("memory", true);

        using var blocked = await Rest.PublishAsync(client, "amq.default", new { routing_key = "q", payload = "x" });

        Assert.Contains("low on memory", await Rest.AssertErrorAsync(blocked, HttpStatusCode.ServiceUnavailable));
        server.Broker.Alarms.Set("memory", false);
        using var accepted = await Rest.PublishAsync(client, "amq.default", new { routing_key = "q", payload = "x" });
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(1, server.Broker.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public async Task Publish_above_max_message_size_is_refused_with_413()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync(new Tidings.Core.BrokerOptions { MemoryHighWatermarkBytes = 0, MaxMessageSize = 1000 });
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();

        using var atLimit = await Rest.PublishAsync(client, "amq.default", new { routing_key = "q", payload = new string('a', 1000) });
        using var tooLarge = await Rest.PublishAsync(client, "amq.default", new { routing_key = "q", payload = new string('a', 1001) });
        using var tooLargeDecoded = await Rest.PublishAsync(client, "amq.default",
            new { routing_key = "q", payload = Convert.ToBase64String(new byte[1001]), payload_encoding = "base64" });

        Assert.Equal(HttpStatusCode.OK, atLimit.StatusCode);
        Assert.Contains("larger than configured max size 1000", await Rest.AssertErrorAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge));
        await Rest.AssertErrorAsync(tooLargeDecoded, HttpStatusCode.RequestEntityTooLarge);

        // A body far beyond what any message of the limit could need is refused before it is read.
        using var huge = new ByteArrayContent(new byte[2 * 1024 * 1024]);
        huge.Headers.ContentType = new("application/json");
        using var hugeResponse = await client.PostAsync("/api/rest/vhosts/%2F/exchanges/amq.default/publish", huge);
        Assert.Contains("larger than the limit", await Rest.AssertErrorAsync(hugeResponse, HttpStatusCode.RequestEntityTooLarge));
        Assert.Equal(1, server.Broker.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }
}
