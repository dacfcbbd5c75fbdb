using System.Net;

namespace Tidings.Http.Tests.Management;

public sealed class BindingTests
{
    [Fact]
    public async Task Binding_objects_have_rabbitmq_fields_and_properties_keys()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareQueue("q");
        vhost.BindQueue("q", "amq.direct", "");
        vhost.BindQueue("q", "amq.direct", "a key~1/2");
        vhost.BindQueue("q", "amq.headers", "", new Dictionary<string, object?> { ["x-match"] = "all", ["kind"] = "x" });
        using var client = server.Client();

        var bindings = await client.GetJsonAsync("/api/bindings/%2F");

        var keys = bindings.EnumerateArray().ToDictionary(b => b.GetProperty("source").GetString() + "|" + b.GetProperty("routing_key").GetString(),
            b => b.GetProperty("properties_key").GetString());
        Assert.Equal("q", keys["|q"]);
        Assert.Equal("~", keys["amq.direct|"]);
        Assert.Equal("a+key%7E1%2F2", keys["amq.direct|a key~1/2"]);
        Assert.StartsWith("~", keys["amq.headers|"]);
        Assert.True(keys["amq.headers|"]!.Length > 1);
        var first = bindings[0];
        ManagementApi.AssertHasFields(first, "source", "vhost", "destination", "destination_type", "routing_key", "arguments", "properties_key");
        Assert.Equal("queue", first.GetProperty("destination_type").GetString());
    }

    [Fact]
    public async Task Post_creates_a_binding_with_201_and_a_location_that_finds_and_deletes_it()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("orders");
        using var client = server.Client();

        using var created = await client.PostJsonAsync("/api/bindings/%2F/e/amq.topic/q/orders",
            new { routing_key = "orders.#", arguments = new { } });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string location = created.Headers.Location!.OriginalString;
        Assert.Equal("/api/bindings/%2F/e/amq.topic/q/orders/orders.%23", location);
        var binding = await client.GetJsonAsync(location);
        Assert.Equal("orders.#", binding.GetProperty("routing_key").GetString());
        var listed = await client.GetJsonAsync("/api/bindings/%2F/e/amq.topic/q/orders");
        Assert.Single(listed.EnumerateArray());

        await (await client.DeleteAsync(location)).ExpectAsync(HttpStatusCode.NoContent);
        Assert.Empty(server.Broker.DefaultVirtualHost.FindExchange("amq.topic")!.Bindings);
        await (await client.GetAsync(location)).ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bindings_with_arguments_are_addressed_by_their_hashed_properties_key()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("h");
        using var client = server.Client();

        await (await client.PostJsonAsync("/api/bindings/%2F/e/amq.headers/q/h", new { routing_key = "", arguments = new Dictionary<string, object> { ["x-match"] = "any", ["a"] = 1 } }))
            .ExpectAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync("/api/bindings/%2F/e/amq.headers/q/h", new { routing_key = "", arguments = new Dictionary<string, object> { ["x-match"] = "any", ["a"] = 2 } }))
            .ExpectAsync(HttpStatusCode.Created);
        var listed = await client.GetJsonAsync("/api/bindings/%2F/e/amq.headers/q/h");
        var props = listed.EnumerateArray().Select(b => b.GetProperty("properties_key").GetString()!).ToList();
        Assert.Equal(2, props.Distinct().Count());

        await (await client.DeleteAsync("/api/bindings/%2F/e/amq.headers/q/h/" + Uri.EscapeDataString(props[0]))).ExpectAsync(HttpStatusCode.NoContent);

        var remaining = server.Broker.DefaultVirtualHost.FindExchange("amq.headers")!.Bindings.Single();
        Assert.Equal(listed[1].GetProperty("arguments").GetProperty("a").GetInt64(), (long)remaining.Arguments["a"]!);
    }

    [Fact]
    public async Task Exchange_to_exchange_bindings_are_created_and_deleted()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareExchange("fan", "fanout");
        using var client = server.Client();

        using var created = await client.PostJsonAsync("/api/bindings/%2F/e/amq.direct/e/fan", new { routing_key = "" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.EndsWith("/e/amq.direct/e/fan/~", created.Headers.Location!.OriginalString);

        var binding = await client.GetJsonAsync("/api/bindings/%2F/e/amq.direct/e/fan/~");
        Assert.Equal("exchange", binding.GetProperty("destination_type").GetString());
        await (await client.DeleteAsync("/api/bindings/%2F/e/amq.direct/e/fan/~")).ExpectAsync(HttpStatusCode.NoContent);
        Assert.Empty(server.Broker.DefaultVirtualHost.FindExchange("amq.direct")!.Bindings);
    }

    [Fact]
    public async Task Binding_to_a_missing_queue_is_404_and_to_the_default_exchange_is_refused()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("q");
        using var client = server.Client();

        await (await client.PostJsonAsync("/api/bindings/%2F/e/amq.direct/q/missing", new { routing_key = "k" }))
            .ExpectAsync(HttpStatusCode.NotFound);
        await (await client.PostJsonAsync("/api/bindings/%2F/e/amq.default/q/q", new { routing_key = "k" }))
            .ExpectAsync(HttpStatusCode.Forbidden, "access_refused");
    }
}
