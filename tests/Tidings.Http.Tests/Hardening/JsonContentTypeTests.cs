using System.Net;
using System.Text;
using Tidings.Http.Tests.Management;

namespace Tidings.Http.Tests.Hardening;

/// <summary>Issue 10, defect 6: JSON endpoints read only bodies declared as JSON, so forged forms cannot reach them.</summary>
public sealed class JsonContentTypeTests
{
    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string body, string? contentType)
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        if (contentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await client.SendAsync(request);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("multipart/form-data; boundary=x")]
    [InlineData(null)]
    public async Task A_body_not_declared_as_json_is_refused_with_415(string? contentType)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await SendAsync(client, HttpMethod.Put, "/api/queues/%2F/q", """{"durable":true}""", contentType))
            .ExpectAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await (await SendAsync(client, HttpMethod.Post, "/api/rest/vhosts/%2F/exchanges/amq.default/publish",
            """{"routing_key":"q","payload":"x"}""", contentType)).ExpectAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await (await SendAsync(client, HttpMethod.Post, "/api/rest/vhosts/%2F/queues/q/get", "{}", contentType))
            .ExpectAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");

        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("q"));
    }

    [Fact]
    public async Task Text_plain_definitions_are_refused_even_without_an_origin()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await SendAsync(client, HttpMethod.Post, "/api/definitions",
            """{"users":[{"name":"mallory","password":"x","tags":"administrator"}]}""", "text/plain"))
            .ExpectAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");

        Assert.Null(server.Broker.FindUser("mallory"));
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON;charset=UTF-8")]
    [InlineData("application/vnd.tidings+json")]
    public async Task Json_media_types_with_parameters_or_a_json_suffix_are_accepted(string contentType)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await SendAsync(client, HttpMethod.Put, "/api/queues/%2F/q", """{"durable":true}""", contentType)).ExpectAsync(HttpStatusCode.Created);
        using var publish = await SendAsync(client, HttpMethod.Post, "/api/rest/vhosts/%2F/exchanges/amq.default/publish",
            """{"routing_key":"q","payload":"x"}""", contentType);
        Assert.Equal(HttpStatusCode.OK, publish.StatusCode);
        Assert.Equal(1, server.Broker.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }

    [Fact]
    public async Task Requests_without_a_body_need_no_content_type()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();

        await (await client.PutAsync("/api/queues/%2F/fresh", null)).ExpectAsync(HttpStatusCode.Created);
        await (await client.DeleteAsync("/api/queues/%2F/q")).ExpectAsync(HttpStatusCode.NoContent);
    }
}
