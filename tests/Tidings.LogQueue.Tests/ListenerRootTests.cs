using System.Net;
using Tidings.Testing;

namespace Tidings.LogQueue.Tests;

/// <summary>The API's own listener serves it at the root, for clients that hard-code the paths.</summary>
public sealed class ListenerRootTests
{
    [Fact]
    public async Task The_own_listener_serves_every_operation_at_the_root_sharing_state_with_the_http_port()
    {
        await using var server = await TestBrokerServer.StartWithLogQueueAsync();
        using var root = LogQueueCall.OnOwnListener(server);
        using var prefixed = LogQueueCall.OnHttpPort(server);

        (await root.PostAsync("topics", new { name = "logs" })).Succeeded();
        long producer = await root.RegisterProducerAsync("logs");
        long consumer = await root.RegisterConsumerAsync("logs");
        await root.ProduceAsync("logs", producer, "hello");

        Assert.Equal(1, await root.SizeAsync("logs", consumer));
        Assert.Equal("hello", await prefixed.ConsumeAsync("logs", consumer));
        Assert.Equal(0, await root.SizeAsync("logs", consumer));
        Assert.Equal(["logs"], (await root.GetAsync("topics")).Succeeded().Json.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task The_own_listener_serves_nothing_else_and_the_http_port_keeps_its_own_routes()
    {
        await using var server = await TestBrokerServer.StartWithLogQueueAsync();
        using var root = LogQueueCall.OnOwnListener(server);

        (await root.GetAsync("api/overview")).Failed(HttpStatusCode.NotFound, "no such operation");
        using var management = server.Client();
        var overview = await management.GetAsync("api/overview");
        Assert.Equal(HttpStatusCode.OK, overview.StatusCode);
        // /topics at the HTTP port's root is not the API: only /logqueue/topics is.
        var topics = await management.GetAsync("topics");
        Assert.NotEqual(HttpStatusCode.OK, topics.StatusCode);
    }
}
