using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tidings.Core;
using Tidings.Http.Tests.Management;
using Tidings.Http.Tests.Messaging;

namespace Tidings.Http.Tests.Hardening;

/// <summary>Issue 10, defect 4: invalid UTF-8 anywhere is a 400 with a JSON error, never an empty 500.</summary>
public sealed class InvalidUtf8Tests
{
    /// <summary>"\xc3\x28": a two-byte lead followed by '(' — the reproduction.</summary>
    private static byte[] WithInvalidUtf8(string before, string after) =>
        [.. Encoding.UTF8.GetBytes(before), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(after)];

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, byte[] body)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Invalid_utf8_in_a_json_string_of_a_queue_declaration_is_a_400()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await SendAsync(client, HttpMethod.Put, "/api/queues/%2F/q", WithInvalidUtf8("{\"arguments\":{\"x\":\"", "\"}}")))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await SendAsync(client, HttpMethod.Put, "/api/queues/%2F/q", WithInvalidUtf8("{\"arguments\":{\"", "\":1}}")))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        // An escaped lone surrogate is valid JSON syntax but no text.
        await (await client.PutJsonAsync("/api/queues/%2F/q", """{"arguments":{"x":"\ud800"}}"""))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("q"));
    }

    [Fact]
    public async Task Invalid_utf8_in_definitions_users_and_publish_bodies_is_a_400()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();

        await (await SendAsync(client, HttpMethod.Post, "/api/definitions", WithInvalidUtf8("{\"vhosts\":[{\"name\":\"", "\"}]}")))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await SendAsync(client, HttpMethod.Put, "/api/users/u", WithInvalidUtf8("{\"password\":\"", "\",\"tags\":\"\"}")))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await SendAsync(client, HttpMethod.Post, "/api/exchanges/%2F/amq.default/publish",
            WithInvalidUtf8("{\"routing_key\":\"q\",\"payload\":\"", "\",\"payload_encoding\":\"string\",\"properties\":{}}")))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await SendAsync(client, HttpMethod.Post, "/api/rest/vhosts/%2F/exchanges/amq.default/publish",
            WithInvalidUtf8("{\"routing_key\":\"", "\",\"payload\":\"x\"}")))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PostJsonAsync("/api/rest/vhosts/%2F/exchanges/amq.default/publish",
            """{"routing_key":"q","payload":"x","properties":{"headers":{"\udc00":"x"}}}""")).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");

        Assert.Null(server.Broker.FindUser("u"));
        Assert.Equal(0, server.Broker.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public async Task A_name_in_the_path_that_is_not_utf8_once_decoded_is_a_400()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PutJsonAsync("/api/queues/%2F/%C3%28")).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PutJsonAsync("/api/vhosts/%FF")).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        // Valid escapes still decode, as before.
        await (await client.PutJsonAsync("/api/queues/%2F/caf%C3%A9")).ExpectAsync(HttpStatusCode.Created);
        Assert.NotNull(server.Broker.DefaultVirtualHost.FindQueue("café"));

        server.Broker.DefaultVirtualHost.DeclareQueue("%C3(");
        await (await client.PostJsonAsync("/api/rest/vhosts/%2F/queues/%C3%28/get", new { })).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        using var sse = await client.GetAsync("/api/rest/vhosts/%2F/queues/%C3%28/events");
        await sse.ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
    }

    [Fact]
    public async Task A_websocket_frame_with_a_lone_surrogate_closes_with_1007()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("work");
        using var cts = new CancellationTokenSource(Rest.Timeout);
        using var socket = await Rest.ConnectAsync(server, "/api/rest/vhosts/%2F/queues/work/ws", cts.Token);

        await Rest.SendAsync(socket, """{"\ud800":1}""", cts.Token);
        var buffer = new byte[1024];
        WebSocketReceiveResult result;
        do result = await socket.ReceiveAsync(buffer, cts.Token);
        while (result.MessageType != WebSocketMessageType.Close);

        Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, result.CloseStatus);
    }

    [Fact]
    public async Task An_unexpected_exception_is_a_500_with_a_json_body()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync(
            mapExtra: app => app.MapGet("/boom", (HttpContext _) => throw new InvalidOperationException("a bug")));
        using var client = server.Client(user: null);

        var json = await (await client.GetAsync("/boom")).ExpectAsync(HttpStatusCode.InternalServerError, "internal_server_error");

        Assert.DoesNotContain("a bug", json!.Value.GetRawText()); // details go to the log, not to the client
        Assert.Equal(1, server.Broker.Faults.Count);
    }
}
