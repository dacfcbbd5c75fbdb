using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Tidings.Core.Security;

namespace Tidings.Http.Tests.Messaging;

/// <summary>Every refusal is a status code with RabbitMQ's {"error","reason"} body and a clear reason.</summary>
public sealed class MessagingErrorTests
{
    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Fact]
    public async Task Requests_without_or_with_wrong_credentials_are_refused_with_401()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var anonymous = server.Client(user: null);
        using var wrong = server.Client("guest", "nope");

        using var publish = await Rest.PublishAsync(anonymous, "amq.default", new { routing_key = "q", payload = "x" });
        using var events = await anonymous.GetAsync("/api/rest/vhosts/%2F/queues/q/events");
        using var get = await Rest.PostAsync(wrong, "/api/rest/vhosts/%2F/queues/q/get", new { });
        using var ack = await Rest.PostAsync(wrong, "/api/rest/streams/abc/ack", new { delivery_tag = 1 });

        await Rest.AssertErrorAsync(publish, HttpStatusCode.Unauthorized);
        Assert.Equal("Basic", publish.Headers.WwwAuthenticate.Single().Scheme);
        await Rest.AssertErrorAsync(events, HttpStatusCode.Unauthorized);
        Assert.Equal("Login failed", await Rest.AssertErrorAsync(get, HttpStatusCode.Unauthorized));
        await Rest.AssertErrorAsync(ack, HttpStatusCode.Unauthorized);
        Assert.Equal(0, server.Broker.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public async Task Missing_vhost_exchange_queue_stream_and_lease_are_404()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        using var vhost = await Rest.PublishAsync(client, "amq.direct", new { routing_key = "k", payload = "x" }, vhost: "nowhere");
        using var exchange = await Rest.PublishAsync(client, "missing", new { routing_key = "k", payload = "x" });
        using var events = await client.GetAsync("/api/rest/vhosts/%2F/queues/missing/events");
        using var get = await Rest.PostAsync(client, "/api/rest/vhosts/%2F/queues/missing/get", new { wait_ms = 100 });
        using var stream = await Rest.PostAsync(client, "/api/rest/streams/0123/ack", new { delivery_tag = 1 });
        using var lease = await Rest.PostAsync(client, "/api/rest/leases/0123/nack", new { });

        Assert.Contains("no vhost 'nowhere'", await Rest.AssertErrorAsync(vhost, HttpStatusCode.NotFound));
        Assert.Contains("no exchange 'missing' in vhost '/'", await Rest.AssertErrorAsync(exchange, HttpStatusCode.NotFound));
        Assert.Contains("no queue 'missing' in vhost '/'", await Rest.AssertErrorAsync(events, HttpStatusCode.NotFound));
        Assert.Contains("no queue 'missing'", await Rest.AssertErrorAsync(get, HttpStatusCode.NotFound));
        Assert.Contains("no stream '0123'", await Rest.AssertErrorAsync(stream, HttpStatusCode.NotFound));
        Assert.Contains("no lease '0123'", await Rest.AssertErrorAsync(lease, HttpStatusCode.NotFound));
        Assert.Empty(server.Broker.Connections);
    }

    [Fact]
    public async Task Operations_the_user_may_not_perform_are_403()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("secret");
        server.Broker.AddVirtualHost("other");
        server.Broker.AddUser("alice", "pw").SetPermissions("/", new VhostPermissions(Configure: "", Write: "^public$", Read: "^public$"));
        using var alice = server.Client("alice", "pw");

        using var write = await Rest.PublishAsync(alice, "amq.direct", new { routing_key = "k", payload = "x" });
        using var read = await alice.GetAsync("/api/rest/vhosts/%2F/queues/secret/events");
        using var get = await Rest.PostAsync(alice, "/api/rest/vhosts/%2F/queues/secret/get", new { });
        using var vhost = await Rest.PublishAsync(alice, "amq.direct", new { routing_key = "k", payload = "x" }, vhost: "other");

        Assert.Contains("access to exchange 'amq.direct' in vhost '/' refused for user 'alice'", await Rest.AssertErrorAsync(write, HttpStatusCode.Forbidden));
        Assert.Contains("access to queue 'secret' in vhost '/' refused for user 'alice'", await Rest.AssertErrorAsync(read, HttpStatusCode.Forbidden));
        await Rest.AssertErrorAsync(get, HttpStatusCode.Forbidden);
        Assert.Contains("access to vhost 'other' refused", await Rest.AssertErrorAsync(vhost, HttpStatusCode.Forbidden));
    }

    [Fact]
    public async Task Cross_origin_requests_with_ambient_credentials_are_403()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();
        using var sameOrigin = new HttpRequestMessage(HttpMethod.Post, "/api/rest/vhosts/%2F/exchanges/amq.default/publish")
        {
            Content = Json("""{"routing_key":"q","payload":"x"}"""),
        };
        sameOrigin.Headers.Add("Origin", $"http://127.0.0.1:{server.BaseAddress.Port}");
        using var crossOrigin = new HttpRequestMessage(HttpMethod.Post, "/api/rest/vhosts/%2F/exchanges/amq.default/publish")
        {
            Content = Json("""{"routing_key":"q","payload":"x"}"""),
        };
        crossOrigin.Headers.Add("Origin", "https://evil.example");

        using var allowed = await client.SendAsync(sameOrigin);
        using var refused = await client.SendAsync(crossOrigin);

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Contains("cross-origin", await Rest.AssertErrorAsync(refused, HttpStatusCode.Forbidden));
        Assert.Equal(1, server.Broker.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }

    /// <summary>256 characters: one more than an AMQP short string holds.</summary>
    private const string Long256 = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";

    [Theory]
    [InlineData("{\"routing_key\":\"q\",", "malformed JSON")]
    [InlineData("[1,2]", "must be a JSON object")]
    [InlineData("{\"payload\":\"x\"}", "routing_key is required")]
    [InlineData("{\"routing_key\":\"q\"}", "payload is required")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"***\",\"payload_encoding\":\"base64\"}", "not valid base64")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"x\",\"payload_encoding\":\"hex\"}", "payload_encoding must be")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":1,\"payload_encoding\":\"string\"}", "payload must be a string")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"x\",\"properties\":{\"delivery_mode\":3}}", "delivery_mode must be an integer from 1 to 2")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"x\",\"properties\":{\"contenttype\":\"a\"}}", "unknown property 'contenttype'")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"x\",\"properties\":{\"expiration\":\"soon\"}}", "invalid expiration 'soon'")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"x\",\"properties\":{\"user_id\":\"mallory\"}}", "user_id property set to 'mallory'")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"x\",\"extra\":1}", "unknown field 'extra'")]
    [InlineData("", "a JSON body is required")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"x\",\"properties\":{\"content_type\":\"" + Long256 + "\"}}", "property 'content_type' is too long")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"x\",\"properties\":{\"headers\":{\"" + Long256 + "\":1}}}", "a key of the headers is too long")]
    [InlineData("{\"routing_key\":\"q\",\"payload\":\"x\",\"properties\":{\"expiration\":\"4294967296\"}}", "value_too_large")]
    public async Task Malformed_publish_requests_are_400_with_the_reason(string body, string reason)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();

        using var response = await client.PostAsync("/api/rest/vhosts/%2F/exchanges/amq.default/publish", Json(body));

        Assert.Contains(reason, await Rest.AssertErrorAsync(response, HttpStatusCode.BadRequest));
        Assert.Equal(0, server.Broker.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public async Task A_routing_key_longer_than_amqp_allows_is_400()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        using var response = await Rest.PublishAsync(client, "amq.direct", new { routing_key = new string('k', 256), payload = "x" });

        Assert.Contains("routing key is too long: 256 bytes", await Rest.AssertErrorAsync(response, HttpStatusCode.BadRequest));
    }

    [Theory]
    [InlineData("prefetch=0", "prefetch must be an integer from 1 to 65535")]
    [InlineData("prefetch=70000", "prefetch must be")]
    [InlineData("prefetch=ten", "prefetch must be")]
    [InlineData("ack=sometimes", "ack must be 'manual' or 'auto'")]
    public async Task Bad_stream_options_are_400(string query, string reason)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();

        using var response = await client.GetAsync($"/api/rest/vhosts/%2F/queues/q/events?{query}");

        Assert.Contains(reason, await Rest.AssertErrorAsync(response, HttpStatusCode.BadRequest));
        Assert.Empty(server.Broker.Connections);
    }

    [Theory]
    [InlineData("{\"wait_ms\":30001}", "wait_ms must be an integer from 0 to 30000")]
    [InlineData("{\"count\":0}", "count must be an integer from 1 to 1000")]
    [InlineData("{\"ack\":\"never\"}", "ack must be 'manual' or 'auto'")]
    [InlineData("{\"lease_ms\":0}", "lease_ms must be")]
    [InlineData("{\"timeout\":5}", "unknown field 'timeout'")]
    public async Task Bad_get_requests_are_400(string body, string reason)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();

        using var response = await client.PostAsync("/api/rest/vhosts/%2F/queues/q/get", Json(body));

        Assert.Contains(reason, await Rest.AssertErrorAsync(response, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task Acking_tags_the_stream_has_not_sent_or_in_auto_mode_is_400()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        Rest.PublishNumbered(server, "q", 2);
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        await using var manual = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/q/events?prefetch=1", cts.Token);
        var first = await manual.ReadMessageAsync(cts.Token);

        // Tag 2 is not sent yet (prefetch 1): acking it would overrun the prefetch window.
        using var unsent = await Rest.PostAsync(client, $"/api/rest/streams/{manual.StreamId}/ack", new { delivery_tag = Rest.Tag(first) + 1 });
        using var missingTag = await Rest.PostAsync(client, $"/api/rest/streams/{manual.StreamId}/ack", new { multiple = true });
        using var zero = await Rest.PostAsync(client, $"/api/rest/streams/{manual.StreamId}/ack", new { delivery_tag = 0 });
        using var ok = await Rest.PostAsync(client, $"/api/rest/streams/{manual.StreamId}/ack", new { delivery_tag = Rest.Tag(first) });
        using var twice = await Rest.PostAsync(client, $"/api/rest/streams/{manual.StreamId}/ack", new { delivery_tag = Rest.Tag(first) });

        Assert.Contains("unknown delivery tag 2", await Rest.AssertErrorAsync(unsent, HttpStatusCode.BadRequest));
        Assert.Contains("delivery_tag is required", await Rest.AssertErrorAsync(missingTag, HttpStatusCode.BadRequest));
        Assert.Contains("positive integer", await Rest.AssertErrorAsync(zero, HttpStatusCode.BadRequest));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Contains("unknown delivery tag 1", await Rest.AssertErrorAsync(twice, HttpStatusCode.BadRequest));

        await using var auto = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/q/events?ack=auto", cts.Token);
        using var autoAck = await Rest.PostAsync(client, $"/api/rest/streams/{auto.StreamId}/ack", new { delivery_tag = 1 });
        Assert.Contains("ack=auto", await Rest.AssertErrorAsync(autoAck, HttpStatusCode.BadRequest));
    }

    [Fact]
    public async Task A_stream_cannot_be_acked_by_another_user()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        server.Broker.AddUser("bob", "secret").SetPermissions("/", VhostPermissions.All);
        Rest.PublishNumbered(server, "q", 1);
        using var guest = server.Client();
        using var bob = server.Client("bob", "secret");
        using var cts = new CancellationTokenSource(Rest.Timeout);
        await using var sse = await SseClient.OpenAsync(guest, "/api/rest/vhosts/%2F/queues/q/events", cts.Token);
        var message = await sse.ReadMessageAsync(cts.Token);

        using var response = await Rest.PostAsync(bob, $"/api/rest/streams/{sse.StreamId}/ack", new { delivery_tag = Rest.Tag(message) });

        await Rest.AssertErrorAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(1, server.Broker.DefaultVirtualHost.FindQueue("q")!.UnackedCount);
    }

    [Fact]
    public async Task Consuming_an_exclusive_queue_of_another_connection_is_refused()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var owner = server.Broker.OpenConnection(server.Broker.FindUser("guest")!, "/", "test");
        server.Broker.DefaultVirtualHost.DeclareQueue("mine", exclusive: true, caller: owner);
        using var client = server.Client();

        using var response = await client.GetAsync("/api/rest/vhosts/%2F/queues/mine/events");

        Assert.Contains("exclusive", await Rest.AssertErrorAsync(response, HttpStatusCode.BadRequest));
        owner.Dispose();
    }

    [Fact]
    public async Task Operator_closing_the_connection_ends_the_stream_and_requeues()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        var queue = server.Broker.DefaultVirtualHost.FindQueue("q")!;
        Rest.PublishNumbered(server, "q", 1);
        using var client = server.Client();
        using var cts = new CancellationTokenSource(Rest.Timeout);
        await using var sse = await SseClient.OpenAsync(client, "/api/rest/vhosts/%2F/queues/q/events", cts.Token);
        await sse.ReadMessageAsync(cts.Token);

        server.Broker.Connections.Single(c => c.Protocol == "HTTP").RequestClose("maintenance");

        var closed = await sse.ReadEventAsync(cts.Token);
        Assert.Equal("closed", closed.Type);
        Assert.Contains("maintenance", closed.Json.GetProperty("reason").GetString());
        Assert.Equal(1, queue.MessageCount);
        Assert.Empty(server.Broker.Connections);
    }
}
