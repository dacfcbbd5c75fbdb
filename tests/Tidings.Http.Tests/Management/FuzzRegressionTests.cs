using System.Net;

namespace Tidings.Http.Tests.Management;

/// <summary>Inputs the fuzzer (tools/Tidings.Fuzz, target management/definitions) found, each once a 500 or worse.</summary>
public sealed class FuzzRegressionTests
{
    [Theory]
    [InlineData("""{"queues":[{"vhost":"/","durable":true}]}""")]
    [InlineData("""{"exchanges":[{"vhost":"/","type":"direct"}]}""")]
    [InlineData("""{"bindings":[{"vhost":"/","source":"amq.direct","destination_type":"queue"}]}""")]
    [InlineData("""{"users":[{"password_hash":"","tags":""}]}""")]
    [InlineData("""{"vhosts":[{"description":"no name"}]}""")]
    [InlineData("""{"permissions":[{"vhost":"/","configure":".*","write":".*","read":".*"}]}""")]
    [InlineData("""{"queues":[{"name":null,"vhost":"/"}]}""")]
    [InlineData("""{"queues":[{"name":"","vhost":"/","durable":true}]}""")]
    public async Task A_definitions_entry_without_its_name_is_a_400_not_a_500(string definitions)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PostJsonAsync("/api/definitions", definitions)).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        await (await client.GetAsync("/api/definitions")).ExpectAsync(HttpStatusCode.OK);
        // Nothing nameless was made up: no generated queue, no extra vhost or user.
        Assert.DoesNotContain(server.Broker.DefaultVirtualHost.Queues, q => q.Name.StartsWith("amq.gen", StringComparison.Ordinal));
        Assert.Single(server.Broker.VirtualHosts);
        Assert.Single(server.Broker.Users);
    }

    [Theory]
    [InlineData("/api/queues/%2F/inf", """{"arguments":{"x-custom":1e400}}""")]
    [InlineData("/api/exchanges/%2F/inf", """{"type":"topic","arguments":{"x-custom":-1e400}}""")]
    public async Task A_number_too_large_for_a_double_is_refused_and_the_listings_keep_working(string path, string body)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        await (await client.PutJsonAsync(path, body)).ExpectAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Null(server.Broker.DefaultVirtualHost.FindQueue("inf"));
        Assert.Null(server.Broker.DefaultVirtualHost.FindExchange("inf"));
        await (await client.GetAsync("/api/queues")).ExpectAsync(HttpStatusCode.OK);
        await (await client.GetAsync("/api/exchanges")).ExpectAsync(HttpStatusCode.OK);
        await (await client.GetAsync("/api/definitions")).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Arguments_nested_as_deep_as_the_core_allows_can_be_listed()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();
        const int depth = 60;
        string nested = string.Concat(Enumerable.Repeat("""{"a":""", depth)) + "1" + new string('}', depth);

        await (await client.PutJsonAsync("/api/queues/%2F/deep", "{}")).ExpectAsync(HttpStatusCode.Created);
        await (await client.PostJsonAsync("/api/bindings/%2F/e/amq.direct/q/deep", $$"""{"routing_key":"k","arguments":{{nested}}}"""))
            .ExpectAsync(HttpStatusCode.Created);

        await (await client.GetAsync("/api/bindings")).ExpectAsync(HttpStatusCode.OK);
        var listed = await (await client.GetAsync("/api/bindings/%2F/e/amq.direct/q/deep")).ExpectAsync(HttpStatusCode.OK);
        // The listing shows the arguments whole, down to the innermost value.
        var value = listed!.Value[0].GetProperty("arguments");
        for (int i = 1; i < depth; i++) value = value.GetProperty("a");
        Assert.Equal(1, value.GetProperty("a").GetInt32());
        await (await client.GetAsync("/api/definitions")).ExpectAsync(HttpStatusCode.OK);
    }
}
