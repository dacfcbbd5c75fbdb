using System.Net;
using System.Text;
using Tidings.Http.Tests.Management;

namespace Tidings.Http.Tests.Hardening;

/// <summary>Issue 10, defect 6: a page of another site must not change state with an operator's cached credentials.</summary>
public sealed class CrossSiteRequestTests
{
    private const string ForgedDefinitions =
        """{"users":[{"name":"mallory","password":"pwned","tags":"administrator"}],"permissions":[{"user":"mallory","vhost":"/","configure":".*","write":".*","read":".*"}]}""";

    private static HttpRequestMessage Request(HttpMethod method, string path, string? origin, string? body = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        if (origin is not null) request.Headers.Add("Origin", origin);
        return request;
    }

    [Fact]
    public async Task Cross_origin_text_plain_post_to_definitions_is_refused_and_creates_no_user()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        using var forged = Request(HttpMethod.Post, "/api/definitions", "http://evil.example", ForgedDefinitions, "text/plain");
        await (await client.SendAsync(forged)).ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");

        Assert.Null(server.Broker.FindUser("mallory"));
    }

    [Fact]
    public async Task Cross_origin_json_requests_are_refused_for_every_state_changing_method()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("keep");
        using var client = server.Client();

        await (await client.SendAsync(Request(HttpMethod.Put, "/api/queues/%2F/made", "https://evil.example", "{}")))
            .ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        await (await client.SendAsync(Request(HttpMethod.Delete, "/api/queues/%2F/keep", "https://evil.example")))
            .ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        await (await client.SendAsync(Request(HttpMethod.Post, "/api/rest/vhosts/%2F/exchanges/amq.default/publish", "https://evil.example",
            """{"routing_key":"keep","payload":"x"}"""))).ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        // Another port of the same host is another origin.
        await (await client.SendAsync(Request(HttpMethod.Put, "/api/queues/%2F/made", $"http://127.0.0.1:{server.BaseAddress.Port + 1}", "{}")))
            .ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");

        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("made"));
        Assert.NotNull(server.Broker.DefaultVirtualHost.FindQueue("keep"));
        Assert.Equal(0, server.Broker.DefaultVirtualHost.FindQueue("keep")!.MessageCount);
    }

    [Fact]
    public async Task Same_origin_and_origin_less_requests_pass()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();
        string own = $"http://127.0.0.1:{server.BaseAddress.Port}";

        await (await client.SendAsync(Request(HttpMethod.Put, "/api/queues/%2F/a", own, "{}"))).ExpectAsync(HttpStatusCode.Created);
        await (await client.SendAsync(Request(HttpMethod.Put, "/api/queues/%2F/b", own + "/", "{}"))).ExpectAsync(HttpStatusCode.Created);
        await (await client.SendAsync(Request(HttpMethod.Put, "/api/queues/%2F/c", origin: null, "{}"))).ExpectAsync(HttpStatusCode.Created);
        // Reading is not refused: without CORS headers the browser does not show another site the answer.
        await (await client.SendAsync(Request(HttpMethod.Get, "/api/overview", "https://evil.example"))).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_configured_origin_may_change_state_and_others_still_may_not()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync(configureHttp: o => o.AllowedOrigins.Add("https://OPS.example.com/"));
        using var client = server.Client();

        await (await client.SendAsync(Request(HttpMethod.Put, "/api/queues/%2F/a", "https://ops.example.com", "{}")))
            .ExpectAsync(HttpStatusCode.Created);
        await (await client.SendAsync(Request(HttpMethod.Put, "/api/queues/%2F/b", "http://ops.example.com", "{}")))
            .ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        await (await client.SendAsync(Request(HttpMethod.Put, "/api/queues/%2F/c", "null", "{}")))
            .ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
    }

    [Fact]
    public async Task Sec_fetch_site_cross_site_without_origin_is_refused()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        foreach (string site in new[] { "cross-site", "same-site" })
        {
            using var request = Request(HttpMethod.Put, "/api/queues/%2F/q", origin: null, "{}");
            request.Headers.Add("Sec-Fetch-Site", site);
            await (await client.SendAsync(request)).ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        }
        using var sameOrigin = Request(HttpMethod.Put, "/api/queues/%2F/q", origin: null, "{}");
        sameOrigin.Headers.Add("Sec-Fetch-Site", "same-origin");
        await (await client.SendAsync(sameOrigin)).ExpectAsync(HttpStatusCode.Created);
    }
}
