using System.Net;
using System.Text;

namespace Tidings.Http.Tests.Management;

public sealed class ExchangeTests
{
    [Fact]
    public async Task The_default_exchange_is_listed_with_an_empty_name_beside_the_amq_ones()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        var exchanges = await client.GetJsonAsync("/api/exchanges/%2F");

        Assert.Equal(["", "amq.direct", "amq.fanout", "amq.headers", "amq.match", "amq.topic"], exchanges.Names());
        var direct = exchanges[1];
        ManagementApi.AssertHasFields(direct, "name", "vhost", "type", "durable", "auto_delete", "internal", "arguments",
            "user_who_performed_action", "policy", "message_stats");
        Assert.Equal("direct", direct.GetProperty("type").GetString());
        Assert.True(direct.GetProperty("durable").GetBoolean());
        var byAlias = await client.GetJsonAsync("/api/exchanges/%2F/amq.default");
        Assert.Equal("", byAlias.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Put_requires_a_type_and_creates_then_updates()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        var error = await (await client.PutJsonAsync("/api/exchanges/%2F/events", new { durable = true }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains("type", error!.Value.GetProperty("reason").GetString());
        await (await client.PutJsonAsync("/api/exchanges/%2F/events", new { type = "topic", durable = true }))
            .ExpectAsync(HttpStatusCode.Created);
        await (await client.PutJsonAsync("/api/exchanges/%2F/events", new { type = "topic", durable = true }))
            .ExpectAsync(HttpStatusCode.NoContent);
        await (await client.PutJsonAsync("/api/exchanges/%2F/events", new { type = "fanout", durable = true }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PutJsonAsync("/api/exchanges/%2F/weird", new { type = "x-nonexistent" }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");

        var exchange = server.Broker.DefaultVirtualHost.FindExchange("events")!;
        Assert.Equal("topic", exchange.Type);
        Assert.True(exchange.Durable);
    }

    [Fact]
    public async Task Delete_honours_if_unused_and_refuses_predeclared_exchanges()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareExchange("busy", "fanout");
        vhost.DeclareQueue("q");
        vhost.BindQueue("q", "busy", "");
        using var client = server.Client();

        await (await client.DeleteAsync("/api/exchanges/%2F/busy?if-unused=true")).ExpectAsync(HttpStatusCode.BadRequest);
        await (await client.DeleteAsync("/api/exchanges/%2F/busy")).ExpectAsync(HttpStatusCode.NoContent);
        await (await client.DeleteAsync("/api/exchanges/%2F/busy")).ExpectAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync("/api/exchanges/%2F/amq.direct")).ExpectAsync(HttpStatusCode.Forbidden, "access_refused");
        Assert.Null(vhost.FindExchange("busy"));
    }

    [Fact]
    public async Task Publish_reports_whether_the_message_was_routed()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("target");
        using var client = server.Client();

        var routed = await (await client.PostJsonAsync("/api/exchanges/%2F/amq.default/publish", new
        {
            properties = new { content_type = "application/json", delivery_mode = 2, headers = new { source = "test" } },
            routing_key = "target",
            payload = "{\"a\":1}",
            payload_encoding = "string",
        })).ExpectAsync(HttpStatusCode.OK);
        var unrouted = await (await client.PostJsonAsync("/api/exchanges/%2F/amq.direct/publish", new
        {
            properties = new { },
            routing_key = "nowhere",
            payload = Convert.ToBase64String(Encoding.UTF8.GetBytes("x")),
            payload_encoding = "base64",
        })).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal("""{"routed":true}""", routed!.Value.GetRawText());
        Assert.False(unrouted!.Value.GetProperty("routed").GetBoolean());
        var queue = server.Broker.DefaultVirtualHost.FindQueue("target")!;
        Assert.Equal(1, queue.MessageCount);
    }

    [Fact]
    public async Task Publish_without_a_mandatory_key_is_a_bad_request()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PostJsonAsync("/api/exchanges/%2F/amq.direct/publish", new { routing_key = "k", payload = "x", payload_encoding = "string" }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PostJsonAsync("/api/exchanges/%2F/amq.direct/publish", new { properties = new { }, routing_key = "k", payload = "x" }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
    }

    [Fact]
    public async Task Source_and_destination_bindings_of_an_exchange_are_listed()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareExchange("upstream", "topic");
        vhost.DeclareExchange("downstream", "fanout");
        vhost.DeclareQueue("sink");
        vhost.BindExchange("downstream", "upstream", "orders.*");
        vhost.BindQueue("sink", "downstream", "");
        using var client = server.Client();

        var source = await client.GetJsonAsync("/api/exchanges/%2F/downstream/bindings/source");
        var destination = await client.GetJsonAsync("/api/exchanges/%2F/downstream/bindings/destination");

        Assert.Equal(["sink"], source.Names("destination"));
        Assert.Equal(["upstream"], destination.Names("source"));
        Assert.Equal("exchange", destination[0].GetProperty("destination_type").GetString());
    }
}
