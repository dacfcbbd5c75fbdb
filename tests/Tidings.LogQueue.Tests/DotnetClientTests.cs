using System.Net;
using Tidings.LogQueue.Client;
using Tidings.Testing;

namespace Tidings.LogQueue.Tests;

/// <summary>The .NET client (clients/dotnet/Tidings.LogQueue.Client) against the broker, on both roots.</summary>
public sealed class DotnetClientTests
{
    [Fact]
    public async Task The_dotnet_client_covers_every_operation()
    {
        await using var server = await TestBrokerServer.StartWithLogQueueAsync();
        using var client = new LogQueueClient(new Uri(server.BaseAddress, "logqueue"));

        await client.CreateTopicAsync("logs");
        Assert.Equal(["logs"], await client.ListTopicsAsync());
        long producer = await client.RegisterProducerAsync("logs");
        long consumer = await client.RegisterConsumerAsync("logs");
        Assert.False(await client.HasNextAsync("logs", consumer));
        await client.SendAsync("logs", producer, "one");
        await client.SendAsync("logs", producer, "zwei ☃");

        Assert.Equal(2, await client.SizeAsync("logs", consumer));
        Assert.True(await client.HasNextAsync("logs", consumer));
        Assert.Equal("one", await client.GetNextAsync("logs", consumer));
        Assert.Equal("zwei ☃", await client.TryGetNextAsync("logs", consumer));
        Assert.Null(await client.TryGetNextAsync("logs", consumer));
        var empty = await Assert.ThrowsAsync<LogQueueException>(() => client.GetNextAsync("logs", consumer));
        Assert.Equal(HttpStatusCode.BadRequest, empty.Status);
    }

    [Fact]
    public async Task The_dotnet_client_reports_failures_with_status_and_message()
    {
        await using var server = await TestBrokerServer.StartWithLogQueueAsync();
        using var client = new LogQueueClient(new Uri($"http://127.0.0.1:{server.LogQueuePort}/"));

        await client.CreateTopicAsync("logs");
        var exists = await Assert.ThrowsAsync<LogQueueException>(() => client.CreateTopicAsync("logs"));
        var unknown = await Assert.ThrowsAsync<LogQueueException>(() => client.RegisterConsumerAsync("nope"));
        var noProducer = await Assert.ThrowsAsync<LogQueueException>(() => client.SendAsync("logs", 4242, "x"));

        Assert.Equal(HttpStatusCode.BadRequest, exists.Status);
        Assert.Contains("already exists", exists.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.NotFound, noProducer.Status);
    }
}
