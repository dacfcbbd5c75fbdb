using System.Globalization;
using System.Text.Json;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>
/// Stream queues with amqplib, as RabbitMQ's stream docs use it; the client side is
/// tests/interop/node/amqplib_stream_client.js, which prints one JSON result per scenario.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class AmqplibStreamTests
{
    [Fact]
    public async Task A_stream_asserted_with_amqplib_confirms_publishes_and_serves_consumers_from_first_a_number_and_next_within_their_prefetch()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "stream");

        // Consumers follow the stream, so those started before the last three publishes get them too.
        Assert.Equal(Expected(0, 53), Pairs(result.GetProperty("first")));
        Assert.Equal(Expected(42, 53), Pairs(result.GetProperty("numeric")));
        Assert.Equal(Expected(50, 53), Pairs(result.GetProperty("next")));
        Assert.InRange(result.GetProperty("firstPeak").GetInt32(), 1, 4);
        Assert.InRange(result.GetProperty("numericPeak").GetInt32(), 1, 2);
        Assert.Equal(53, result.GetProperty("messageCount").GetInt32());
        Assert.Equal(53, server.Broker.DefaultVirtualHost.FindQueue("amqplib.stream")!.MessageCount);
    }

    private static IEnumerable<(long, string)> Expected(int from, int toExclusive) =>
        Enumerable.Range(from, toExclusive - from).Select(i => ((long)i, $"m{i}"));

    private static List<(long, string)> Pairs(JsonElement array) =>
        [.. array.EnumerateArray().Select(e => (e[0].GetInt64(), e[1].GetString()!))];

    private static async Task<JsonElement> RunScenarioAsync(TestBrokerServer server, string scenario)
    {
        await ExternalProcess.RequireNodeModuleAsync("amqplib");
        var run = await ExternalProcess.RunNodeAsync("amqplib_stream_client.js", scenario, server.AmqpPort.ToString(CultureInfo.InvariantCulture));
        Assert.True(run.ExitCode == 0, run.Describe());
        return JsonDocument.Parse(run.StdOut).RootElement;
    }
}
