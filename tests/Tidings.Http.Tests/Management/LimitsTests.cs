using System.Net;
using System.Text;
using RabbitMQ.Client;

namespace Tidings.Http.Tests.Management;

/// <summary>
/// Issue 10, defects 2 and 3: the management API let in names, routing keys and properties
/// that AMQP cannot carry; the publish answered 200 and the poison message then broke every
/// AMQP read of its queue. Now each is a 400 with a JSON reason, and the queue stays readable.
/// </summary>
public sealed class LimitsTests
{
    [Theory]
    [InlineData("routing_key", 256)]
    [InlineData("content_type", 256)]
    [InlineData("message_id", 300)]
    public async Task A_publish_AMQP_cannot_carry_is_a_400_and_the_good_messages_behind_it_stay_readable_over_AMQP(string field, int length)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();
        await (await client.PutJsonAsync("/api/queues/%2F/work")).ExpectAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync("/api/bindings/%2F/e/amq.topic/q/work", new { routing_key = "#" })).ExpectAsync(HttpStatusCode.Created);
        string longText = new('k', length);
        object poison = field == "routing_key"
            ? new { routing_key = longText, payload = "poison", payload_encoding = "string", properties = new { } }
            : new
            {
                routing_key = "work",
                payload = "poison",
                payload_encoding = "string",
                properties = new Dictionary<string, object> { [field] = longText }
            };

        await Publish(client, "amq.topic", new { routing_key = "work", payload = "before", payload_encoding = "string", properties = new { } });
        var refused = await (await client.PostJsonAsync("/api/exchanges/%2F/amq.topic/publish", poison)).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("too long", refused!.Value.GetProperty("reason").GetString());
        await Publish(client, "amq.topic", new { routing_key = "work", payload = "after", payload_encoding = "string", properties = new { } });

        await using var connection = await server.ConnectAmqpAsync();
        await using var channel = await connection.CreateChannelAsync();
        var first = await channel.BasicGetAsync("work", autoAck: true);
        var second = await channel.BasicGetAsync("work", autoAck: true);
        Assert.Equal("before", Encoding.UTF8.GetString(first!.Body.Span));
        Assert.Equal("after", Encoding.UTF8.GetString(second!.Body.Span));
        Assert.Null(await channel.BasicGetAsync("work", autoAck: true));
        Assert.True(connection.IsOpen);
    }

    [Theory]
    [InlineData("/api/queues/%2F/{0}")]
    [InlineData("/api/exchanges/%2F/{0}")]
    [InlineData("/api/vhosts/{0}")]
    [InlineData("/api/users/{0}")]
    public async Task A_name_longer_than_255_bytes_is_refused_with_400(string pathFormat)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        foreach (int length in new[] { 256, 300, 1000, 4000 })
        {
            string path = string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, new string('n', length));
            object body = pathFormat.StartsWith("/api/exchanges", StringComparison.Ordinal) ? new { type = "direct" }
                : pathFormat.StartsWith("/api/users", StringComparison.Ordinal) ? new { password = "pw", tags = "" }
                : new { };
            var error = await (await client.PutJsonAsync(path, body)).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
            Assert.Contains("name is too long", error!.Value.GetProperty("reason").GetString());
        }
        Assert.DoesNotContain(server.Broker.DefaultVirtualHost.Queues, q => q.Name.Length > 255);
        Assert.DoesNotContain(server.Broker.VirtualHosts, v => v.Name.Length > 255);
        Assert.DoesNotContain(server.Broker.Users, u => u.Name.Length > 255);
    }

    [Fact]
    public async Task A_binding_key_or_dead_letter_argument_longer_than_255_bytes_is_refused_with_400()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();
        await (await client.PutJsonAsync("/api/queues/%2F/q")).ExpectAsync(HttpStatusCode.Created);

        await (await client.PostJsonAsync("/api/bindings/%2F/e/amq.direct/q/q", new { routing_key = new string('b', 256) }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PutJsonAsync("/api/queues/%2F/dl", new
        {
            arguments = new Dictionary<string, object> { ["x-dead-letter-exchange"] = "amq.topic", ["x-dead-letter-routing-key"] = new string('k', 256) },
        })).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("dl"));
    }

    private static async Task Publish(HttpClient client, string exchange, object body) =>
        await (await client.PostJsonAsync($"/api/exchanges/%2F/{exchange}/publish", body)).ExpectAsync(HttpStatusCode.OK);
}
