using System.Globalization;
using System.Text.Json;

namespace Tidings.Amqp.Tests.Interop.Streams;

/// <summary>
/// Stream queues with pika (Debian's python3-pika), as RabbitMQ's stream docs use it; the client
/// side is tests/interop/python/pika_stream_client.py, which prints one JSON result per scenario.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class PikaStreamTests
{
    [Fact]
    public async Task Consumers_from_first_a_number_next_and_by_default_get_their_offsets_with_manual_acks()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "offsets");

        Assert.Equal(Expected(0, 13), Pairs(result.GetProperty("first")));
        // Every consumer follows the stream: the numeric one goes on past the publishes made after it started.
        Assert.Equal(Expected(6, 13), Pairs(result.GetProperty("numeric")));
        Assert.Equal(Expected(10, 13), Pairs(result.GetProperty("next")));
        Assert.Equal(Expected(10, 13), Pairs(result.GetProperty("default")));
        Assert.Equal(13, result.GetProperty("message_count").GetInt32());
    }

    [Fact]
    public async Task Basic_qos_prefetch_is_credit_for_a_pika_stream_consumer()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "prefetch");

        Assert.Equal(3, result.GetProperty("before_ack").GetInt32());
        Assert.Equal(6, result.GetProperty("after_ack").GetInt32());
    }

    [Fact]
    public async Task Basic_get_on_a_stream_closes_pikas_connection_with_540()
    {
        await using var server = await TestBrokerServer.StartAmqpAsync();
        var result = await RunScenarioAsync(server, "get_refused");

        var error = result.GetProperty("error");
        Assert.Equal(JsonValueKind.Object, error.ValueKind);
        Assert.Equal("ConnectionClosedByBroker", error.GetProperty("kind").GetString());
        Assert.Equal(540, error.GetProperty("reply_code").GetInt32());
        Assert.Equal("NOT_IMPLEMENTED - basic.get not supported by stream queues queue 'pika.get' in vhost '/'",
            error.GetProperty("reply_text").GetString());
        Assert.False(result.GetProperty("connection_open").GetBoolean());
        Assert.Equal(1, server.Broker.DefaultVirtualHost.FindQueue("pika.get")!.MessageCount);
    }

    private static IEnumerable<(long, string)> Expected(int from, int toExclusive) =>
        Enumerable.Range(from, toExclusive - from).Select(i => ((long)i, $"m{i}"));

    private static List<(long, string)> Pairs(JsonElement array) =>
        [.. array.EnumerateArray().Select(e => (e[0].GetInt64(), e[1].GetString()!))];

    private static async Task<JsonElement> RunScenarioAsync(TestBrokerServer server, string scenario)
    {
        await ExternalProcess.RequirePythonModulesAsync("pika");
        var run = await ExternalProcess.RunPythonAsync("pika_stream_client.py", scenario, server.AmqpPort.ToString(CultureInfo.InvariantCulture));
        Assert.True(run.ExitCode == 0, run.Describe());
        return JsonDocument.Parse(run.StdOut).RootElement;
    }
}
