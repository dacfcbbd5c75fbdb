using RabbitMQ.Client;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Server.Cli;

namespace Tidings.Server.Tests;

/// <summary>`tidings streams` and `tidings streams positions &lt;stream&gt;`.</summary>
public sealed partial class ManagementVerbTests
{
    private StreamQueue DeclareStream(string name, Dictionary<string, object?>? extra = null)
    {
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = "stream" };
        foreach (var (key, value) in extra ?? []) arguments[key] = value;
        Broker.DefaultVirtualHost.DeclareQueue(name, durable: true, arguments: arguments);
        return (StreamQueue)Broker.DefaultVirtualHost.FindQueue(name)!;
    }

    private void Append(string stream, int count)
    {
        for (int i = 0; i < count; i++) Broker.DefaultVirtualHost.Publish("", stream, new MessageProperties(), "line"u8.ToArray());
    }

    [Fact]
    public async Task Streams_lists_only_streams_with_size_offsets_positions_and_retention()
    {
        var events = DeclareStream("events", new() { ["x-max-age"] = "12h", ["x-max-length-bytes"] = 5_000_000L });
        var empty = DeclareStream("empty");
        Broker.DefaultVirtualHost.DeclareQueue("work", durable: true);
        Append("events", 4);
        events.StorePosition("reader", 1);

        var lines = await RunOkAsync("streams");

        Assert.Equal(["name", "messages", "bytes", "segments", "first", "last", "consumers", "positions", "max-age", "max-bytes"],
            Cells(lines[0]));
        Assert.Equal(["empty", "0", empty.SizeBytes.ToString(), empty.SegmentCount.ToString(), "0", "-", "0", "0", "-", "-"], Cells(lines[1]));
        Assert.Equal(["events", "4", events.SizeBytes.ToString(), events.SegmentCount.ToString(), "0", "3", "0", "1", "12h", "5000000"],
            Cells(lines[2]));
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public async Task Streams_positions_lists_stored_positions_and_live_consumers_with_offset_and_lag()
    {
        var events = DeclareStream("events");
        Append("events", 10);
        events.StorePosition("billing", 7);
        events.StorePosition("audit", 2);
        await using var connection = await ConnectAsync("reader");
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 3, false);
        await channel.BasicConsumeAsync("events", autoAck: false, "live-1", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = 5L }, new AsyncDefaultBasicConsumer(channel));
        // Prefetch 3 from offset 5: the consumer's next offset becomes 8 once its credit is used.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (events.ConsumerOffsets is not [{ NextOffset: 8 }] && DateTime.UtcNow < deadline) await Task.Delay(20);

        var lines = await RunOkAsync("streams", "positions", "events");

        Assert.Equal(["name", "kind", "offset", "lag"], Cells(lines[0]));
        Assert.Equal(["audit", "stored", "2", "8"], Cells(lines[1]));
        Assert.Equal(["billing", "stored", "7", "3"], Cells(lines[2]));
        Assert.Equal(["live-1", "live", "8", "2"], Cells(lines[3]));
        Assert.Equal(4, lines.Length);
    }

    [Fact]
    public async Task Streams_positions_of_a_missing_stream_exits_1_with_the_apis_404()
    {
        var result = await RunAsync("streams", "positions", "nope", "--api-url", _api);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains("404", result.Error);
    }

    [Theory]
    [InlineData(new[] { "streams", "positions" }, "positions needs the name of a stream")]
    [InlineData(new[] { "streams", "offsets", "x" }, "unknown sub-command 'offsets'")]
    public async Task Streams_with_a_wrong_sub_command_is_a_usage_error(string[] args, string message)
    {
        var result = await RunAsync([.. args, "--api-url", _api]);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains(message, result.Error);
    }
}
