using System.Net;
using Tidings.Core.Security;

namespace Tidings.Http.Tests.Management;

public sealed class VhostUserPermissionTests
{
    [Fact]
    public async Task Vhosts_are_created_updated_shown_and_deleted()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PutJsonAsync("/api/vhosts/staging", new { description = "Staging", tags = "qa,blue" })).ExpectAsync(HttpStatusCode.Created);
        await (await client.PutJsonAsync("/api/vhosts/staging", new { description = "Staging 2", tags = new[] { "qa" } })).ExpectAsync(HttpStatusCode.NoContent);
        var vhost = await client.GetJsonAsync("/api/vhosts/staging");
        ManagementApi.AssertHasFields(vhost, "name", "description", "tags", "default_queue_type", "metadata", "tracing",
            "messages", "messages_ready", "messages_unacknowledged", "messages_details");
        Assert.Equal("Staging 2", vhost.GetProperty("description").GetString());
        Assert.Equal(["qa"], vhost.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.Equal(["/", "staging"], (await client.GetJsonAsync("/api/vhosts")).Names());
        Assert.NotNull(server.Broker.FindUser("guest")!.PermissionsFor("staging"));

        await (await client.DeleteAsync("/api/vhosts/staging")).ExpectAsync(HttpStatusCode.NoContent);
        await (await client.DeleteAsync("/api/vhosts/staging")).ExpectAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync("/api/vhosts/staging")).ExpectAsync(HttpStatusCode.NotFound, "Object Not Found");
    }

    [Fact]
    public async Task Users_are_created_with_a_password_or_a_rabbitmq_hash_and_tags_as_string_or_list()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PutJsonAsync("/api/users/alice", new { password = "s3cret", tags = "administrator,monitoring" })).ExpectAsync(HttpStatusCode.Created);
        // RabbitMQ's own documentation example: the hash of "test12" with rabbit_password_hashing_sha256.
        const string hash = "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR";
        await (await client.PutJsonAsync("/api/users/bob", new { password_hash = hash, hashing_algorithm = "rabbit_password_hashing_sha256", tags = new[] { "management" } }))
            .ExpectAsync(HttpStatusCode.Created);
        await (await client.PutJsonAsync("/api/users/alice", new { tags = "" })).ExpectAsync(HttpStatusCode.NoContent);

        var bob = await client.GetJsonAsync("/api/users/bob");
        ManagementApi.AssertHasFields(bob, "name", "password_hash", "hashing_algorithm", "tags", "limits");
        Assert.Equal(hash, bob.GetProperty("password_hash").GetString());
        Assert.Equal("rabbit_password_hashing_sha256", bob.GetProperty("hashing_algorithm").GetString());
        Assert.True(server.Broker.FindUser("bob")!.CheckPassword("test12"));
        Assert.True(server.Broker.FindUser("alice")!.CheckPassword("s3cret"));
        Assert.Empty(server.Broker.FindUser("alice")!.Tags);
        Assert.Equal(["alice", "bob", "guest"], (await client.GetJsonAsync("/api/users")).Names());

        await (await client.PutJsonAsync("/api/users/carol", new { tags = "management" })).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PutJsonAsync("/api/users/dave", new { password_hash = "not-base64!", tags = "" })).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PutJsonAsync("/api/users/erin", new { password_hash = hash, hashing_algorithm = "rabbit_password_hashing_md5" }))
            .ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Null(server.Broker.FindUser("dave"));
        await (await client.DeleteAsync("/api/users/bob")).ExpectAsync(HttpStatusCode.NoContent);
        await (await client.GetAsync("/api/users/bob")).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Updating_a_user_keeps_its_permissions()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.AddUser("app", "old", ["management"]).SetPermissions("/", new VhostPermissions("c", "w", "r"));
        using var client = server.Client();

        await (await client.PutJsonAsync("/api/users/app", new { password = "new", tags = "management" })).ExpectAsync(HttpStatusCode.NoContent);

        var app = server.Broker.FindUser("app")!;
        Assert.True(app.CheckPassword("new"));
        Assert.Equal(new VhostPermissions("c", "w", "r"), app.PermissionsFor("/"));
    }

    [Fact]
    public async Task Permissions_are_set_listed_and_cleared()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.AddUser("app", "pw");
        server.Broker.AddVirtualHost("v1");
        using var client = server.Client();

        await (await client.PutJsonAsync("/api/permissions/v1/app", new { configure = "^app-.*", write = ".*", read = ".*" })).ExpectAsync(HttpStatusCode.Created);
        await (await client.PutJsonAsync("/api/permissions/v1/app", new { configure = "^app-.*", write = ".*", read = "^r" })).ExpectAsync(HttpStatusCode.NoContent);

        var permission = await client.GetJsonAsync("/api/permissions/v1/app");
        Assert.Equal("""{"user":"app","vhost":"v1","configure":"^app-.*","write":".*","read":"^r"}""", permission.GetRawText());
        Assert.Equal(["app"], (await client.GetJsonAsync("/api/vhosts/v1/permissions")).Names("user"));
        Assert.Equal(["v1"], (await client.GetJsonAsync("/api/users/app/permissions")).Names("vhost"));
        Assert.Equal(2, (await client.GetJsonAsync("/api/permissions")).GetArrayLength());

        await (await client.PutJsonAsync("/api/permissions/v1/app", new { configure = ".*", write = ".*" })).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PutJsonAsync("/api/permissions/v1/app", new { configure = "(", write = ".*", read = ".*" })).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.PutJsonAsync("/api/permissions/v1/nobody", new { configure = ".*", write = ".*", read = ".*" })).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.DeleteAsync("/api/permissions/v1/app")).ExpectAsync(HttpStatusCode.NoContent);
        await (await client.GetAsync("/api/permissions/v1/app")).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Null(server.Broker.FindUser("app")!.PermissionsFor("v1"));
    }
}
