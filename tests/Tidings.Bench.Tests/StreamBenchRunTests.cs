using System.Text.Json;
using Tidings.PerfTest;

namespace Tidings.Bench.Tests;

/// <summary>
/// Short slices of bench/stream-compare.sh's st1–st3 against an in-process broker, with both of the
/// generator's AMQP clients: every publish confirmed, every replayed delivery counted once with its
/// x-stream-offset in order from where it was asked to start. Otherwise the Streams table in
/// docs/BENCHMARKS.md means nothing.
/// </summary>
public sealed class StreamBenchRunTests : IAsyncLifetime
{
    private const int Messages = 3000;

    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonElement> RunAsync(params string[] args)
    {
        var options = PerfTestOptions.Parse([.. args, "--queue-type", "stream", "--time", "30",
            "--uri", $"amqp://guest:guest@127.0.0.1:{_server.AmqpPort}/"]);
        var output = new StringWriter();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        PerfTestResult result = await PerfTestRun.RunAsync(options, output, bounded.Token);
        Assert.True(result.Error is null, $"{result.Error}\n{output}");
        Assert.Equal(0, result.ExitCode);
        return JsonDocument.Parse(output.ToString().TrimEnd().Split('\n')[^1]).RootElement;
    }

    private static long[] Longs(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetInt64())];

    [Theory]
    [InlineData("rabbitmq")]
    [InlineData("raw")]
    public async Task Publish_with_confirms_then_replays_from_first_and_from_offsets_count_every_message_in_offset_order(string client)
    {
        string stream = $"st-{client}";

        // st1: publish with a pipelined confirm window.
        JsonElement publish = await RunAsync("--client", client, "--queue", stream, "--producers", "1", "--consumers", "0",
            "--confirm", "500", "--pmessages", Messages.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Messages, publish.GetProperty("published").GetInt64());
        Assert.Equal(Messages, publish.GetProperty("confirmed").GetInt64());
        Assert.Equal(0, publish.GetProperty("nacked").GetInt64());
        Assert.True(publish.GetProperty("publish_rate").GetDouble() > 0);
        Assert.True(publish.GetProperty("cpu_seconds").GetDouble() > 0);
        // A publish-only run has no consumers, so nothing to say about offsets.
        Assert.False(publish.TryGetProperty("stream_offsets", out _));

        // st2: one consumer replays everything from first, with a prefetch smaller than the stream.
        JsonElement replay = await RunAsync("--client", client, "--queue", stream, "--producers", "0", "--consumers", "1",
            "--stream-offset", "first", "--prefetch", "200", "--multi-ack", "50", "--cmessages", "3000");
        Assert.Equal(Messages, replay.GetProperty("consumed").GetInt64());
        Assert.True(replay.GetProperty("consume_rate").GetDouble() > 0);
        JsonElement offsets = replay.GetProperty("stream_offsets");
        Assert.Equal([0L], Longs(offsets.GetProperty("first")));
        Assert.Equal([Messages - 1L], Longs(offsets.GetProperty("last")));
        Assert.Equal(0, offsets.GetProperty("out_of_order").GetInt64());
        Assert.Equal(0, offsets.GetProperty("gaps").GetInt64());
        Assert.Equal(0, offsets.GetProperty("missing").GetInt64());

        // st3: three consumers, each from its own numeric offset, each reading a third.
        JsonElement spread = await RunAsync("--client", client, "--queue", stream, "--producers", "0", "--consumers", "3",
            "--stream-offset", "0,1000,2000", "--prefetch", "100", "--cmessages", "1000");
        Assert.Equal(Messages, spread.GetProperty("consumed").GetInt64());
        offsets = spread.GetProperty("stream_offsets");
        Assert.Equal([0L, 1000L, 2000L], Longs(offsets.GetProperty("first")));
        Assert.Equal([999L, 1999L, 2999L], Longs(offsets.GetProperty("last")));
        Assert.Equal(0, offsets.GetProperty("out_of_order").GetInt64() + offsets.GetProperty("gaps").GetInt64()
            + offsets.GetProperty("missing").GetInt64());
    }

    [Fact]
    public void Stream_offsets_parse_into_the_types_the_broker_expects()
    {
        var options = PerfTestOptions.Parse(["--queue-type", "stream", "--stream-offset", "first,last,next,42,1h,@1700000000"]);

        Assert.True(options.DeclareDurable);
        Assert.Equal(["first", "last", "next", 42L, "1h", new RabbitMQ.Client.AmqpTimestamp(1700000000)], options.StreamOffsets);
        Assert.Equal(42L, options.StreamOffsetFor(9));
        Assert.Throws<PerfTestUsageException>(() => PerfTestOptions.Parse(["--stream-offset", "soon"]));
        Assert.Throws<PerfTestUsageException>(() => PerfTestOptions.Parse(["--client", "raw", "--rate", "10"]));
    }
}
