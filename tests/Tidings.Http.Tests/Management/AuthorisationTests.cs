using System.Net;
using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Security;
using Tidings.Http.Common;

namespace Tidings.Http.Tests.Management;

public sealed class AuthorisationTests
{
    [Fact]
    public async Task No_credentials_answers_401_with_a_basic_challenge()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client(user: null);

        using var response = await client.GetAsync("/api/overview");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Basic", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("RabbitMQ Management", response.Headers.WwwAuthenticate.Single().Parameter);
    }

    [Fact]
    public async Task Wrong_password_answers_401_not_authorised()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client("guest", "wrong");

        await (await client.GetAsync("/api/queues")).ExpectAsync(HttpStatusCode.Unauthorized, "not_authorised");
    }

    [Fact]
    public async Task Every_management_route_including_health_checks_requires_credentials()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client(user: null);

        foreach (var path in new[] { "/api/overview", "/api/whoami", "/api/nodes", "/api/vhosts", "/api/users", "/api/queues",
                     "/api/exchanges", "/api/bindings", "/api/connections", "/api/channels", "/api/consumers",
                     "/api/definitions", "/api/permissions", "/api/aliveness-test/%2F",
                     "/api/health/checks/virtual-hosts", "/api/healthchecks/node" })
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, path + " answered " + response.StatusCode);
        }
        using var openApi = await client.GetAsync("/api/openapi.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
    }

    [Fact]
    public async Task A_user_without_management_tags_is_refused_with_401()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.AddUser("app", "secret").SetPermissions("/", VhostPermissions.All);
        using var client = server.Client("app", "secret");

        var error = await (await client.GetAsync("/api/overview")).ExpectAsync(HttpStatusCode.Unauthorized, "not_authorised");
        Assert.Equal("Not management user", error!.Value.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_monitoring_user_reads_everything_but_cannot_create_users()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.AddUser("watcher", "secret", ["monitoring"]);
        server.Broker.DefaultVirtualHost.DeclareQueue("orders");
        using var client = server.Client("watcher", "secret");

        var queues = await client.GetJsonAsync("/api/queues");
        Assert.Contains("orders", queues.Names());
        await client.GetJsonAsync("/api/nodes");

        var error = await (await client.PutJsonAsync("/api/users/mallory", new { password = "x", tags = "administrator" }))
            .ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        Assert.Equal("Not administrator user", error!.Value.GetProperty("reason").GetString());
        Assert.Null(server.Broker.FindUser("mallory"));
        await (await client.PutJsonAsync("/api/vhosts/new")).ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        await (await client.PutJsonAsync("/api/permissions/%2F/watcher", new { configure = ".*", write = ".*", read = ".*" }))
            .ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
    }

    [Fact]
    public async Task A_management_user_sees_only_vhosts_it_has_permissions_in()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var broker = server.Broker;
        broker.AddVirtualHost("private").DeclareQueue("secret-queue");
        broker.AddVirtualHost("shared").DeclareQueue("shared-queue");
        broker.AddUser("dev", "pw", ["management"]).SetPermissions("shared", VhostPermissions.All);
        using var client = server.Client("dev", "pw");

        Assert.Equal(["shared-queue"], (await client.GetJsonAsync("/api/queues")).Names());
        Assert.Equal(["shared"], (await client.GetJsonAsync("/api/vhosts")).Names());
        await (await client.GetAsync("/api/queues/private")).ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        await (await client.GetAsync("/api/nodes")).ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
        await (await client.PutJsonAsync("/api/queues/shared/mine", new { durable = true })).ExpectAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Vhost_permissions_of_the_user_apply_to_declarations()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.AddUser("limited", "pw", ["management"]).SetPermissions("/", new VhostPermissions("^allowed-.*", ".*", ".*"));
        using var client = server.Client("limited", "pw");

        await (await client.PutJsonAsync("/api/queues/%2F/allowed-1")).ExpectAsync(HttpStatusCode.Created);
        await (await client.PutJsonAsync("/api/queues/%2F/forbidden")).ExpectAsync(HttpStatusCode.Forbidden, "access_refused");
    }

    [Fact]
    public void Guest_is_refused_from_a_non_loopback_address()
    {
        var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0 });
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.10");
        context.Request.Headers.Authorization = ManagementApi.Basic("guest", "guest").ToString();

        var (user, error) = BasicAuthentication.Authenticate(context, broker);

        Assert.Null(user);
        Assert.NotNull(error);
        var loopback = new DefaultHttpContext();
        loopback.Connection.RemoteIpAddress = IPAddress.Loopback;
        loopback.Request.Headers.Authorization = ManagementApi.Basic("guest", "guest").ToString();
        Assert.NotNull(BasicAuthentication.Authenticate(loopback, broker).User);
        broker.Dispose();
    }

    [Fact]
    public async Task Whoami_names_the_user_and_its_tags()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        var me = await client.GetJsonAsync("/api/whoami");

        Assert.Equal("guest", me.GetProperty("name").GetString());
        Assert.Equal(["administrator"], me.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.True(me.GetProperty("is_internal_user").GetBoolean());
    }
}
