using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Tidings.PerfTest;

namespace Tidings.Bench.Tests;

public sealed class PerfTestRunTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Uri => $"amqp://guest:guest@127.0.0.1:{_server.AmqpPort}/";

    private async Task<(PerfTestResult Result, string Output, JsonElement Json)> RunAsync(params string[] args)
    {
        var options = PerfTestOptions.Parse([.. args, "--uri", Uri]);
        var output = new StringWriter();
        PerfTestResult result = await PerfTestRun.RunAsync(options, output);
        string text = output.ToString();
        string lastLine = text.TrimEnd().Split('\n')[^1];
        JsonElement json = JsonDocument.Parse(lastLine).RootElement;
        return (result, text, json);
    }

    [Fact]
    public async Task One_to_one_transient_run_consumes_every_message_and_reports_ordered_percentiles()
    {
        var (result, output, json) = await RunAsync("--pmessages", "20000", "--cmessages", "20000", "--time", "20", "--label", "s1");

        Assert.Null(result.Error);
        Assert.Equal(20000, json.GetProperty("published").GetInt64());
        Assert.Equal(20000, json.GetProperty("consumed").GetInt64());
        Assert.Equal("s1", json.GetProperty("label").GetString());
        Assert.True(json.GetProperty("publish_rate").GetDouble() > 0);
        Assert.True(json.GetProperty("consume_rate").GetDouble() > 0);
        Assert.True(json.GetProperty("cpu_seconds").GetDouble() > 0);
        JsonElement latency = json.GetProperty("latency_us");
        long p50 = latency.GetProperty("p50").GetInt64();
        long p99 = latency.GetProperty("p99").GetInt64();
        long p999 = latency.GetProperty("p999").GetInt64();
        long max = latency.GetProperty("max").GetInt64();
        Assert.True(p50 <= p99 && p99 <= p999 && p999 <= max, $"p50={p50} p99={p99} p999={p999} max={max}");
        Assert.Equal(20000, latency.GetProperty("count").GetInt64());
        Assert.Contains("published 20000", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Confirmed_persistent_durable_run_has_every_publish_confirmed()
    {
        var (result, _, json) = await RunAsync("--confirm", "100", "--persistent", "--durable", "--pmessages", "2000",
            "--queue", "confirm-q", "--time", "20");

        Assert.Null(result.Error);
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(2000, json.GetProperty("published").GetInt64());
        Assert.Equal(2000, json.GetProperty("confirmed").GetInt64());
        Assert.Equal(0, json.GetProperty("nacked").GetInt64());
        Assert.True(json.GetProperty("persistent").GetBoolean());
        Assert.Equal(100, json.GetProperty("confirm").GetInt32());
    }

    [Fact]
    public async Task Fanout_to_three_queues_delivers_every_message_to_each_consumer()
    {
        var (result, _, json) = await RunAsync("--exchange-type", "fanout", "--queues", "3", "--consumers", "3",
            "--pmessages", "3000", "--time", "20");

        Assert.Null(result.Error);
        long published = json.GetProperty("published").GetInt64();
        Assert.Equal(3000, published);
        Assert.Equal(3 * published, json.GetProperty("consumed").GetInt64());
        Assert.Equal(3, json.GetProperty("queues").GetInt32());
        Assert.NotNull(_server.Broker.DefaultVirtualHost.FindQueue("perf-q-3"));
    }

    [Fact]
    public async Task Fixed_rate_publishes_about_rate_times_seconds()
    {
        var (result, _, json) = await RunAsync("--rate", "500", "--time", "2");

        Assert.Null(result.Error);
        long published = json.GetProperty("published").GetInt64();
        Assert.InRange(published, 600, 1300);
        Assert.Equal(500, json.GetProperty("rate").GetInt32());
    }

    [Fact]
    public async Task Drain_run_consumes_what_a_publish_run_left_and_reports_no_latency()
    {
        var (publish, _, publishJson) = await RunAsync("--consumers", "0", "--pmessages", "5000", "--confirm", "1000",
            "--persistent", "--durable", "--queue", "drain-q", "--time", "20");
        Assert.Null(publish.Error);
        Assert.Equal(5000, publishJson.GetProperty("confirmed").GetInt64());

        var (drain, _, drainJson) = await RunAsync("--producers", "0", "--cmessages", "5000", "--durable",
            "--queue", "drain-q", "--time", "20");

        Assert.Null(drain.Error);
        Assert.Equal(publishJson.GetProperty("published").GetInt64(), drainJson.GetProperty("consumed").GetInt64());
        Assert.Equal(JsonValueKind.Null, drainJson.GetProperty("latency_us").ValueKind);
        Assert.Equal(0, drainJson.GetProperty("published").GetInt64());
        Assert.Equal(0, _server.Broker.DefaultVirtualHost.FindQueue("drain-q")!.MessageCount);
    }

    [Fact]
    public async Task Idle_connections_are_all_open_when_the_ready_line_is_printed()
    {
        var options = PerfTestOptions.Parse(["--idle-connections", "20", "--time", "1", "--uri", Uri]);
        var output = new ReadyLineWriter(() => _server.Broker.Connections.Count);

        PerfTestResult result = await PerfTestRun.RunAsync(options, output);

        Assert.Null(result.Error);
        Assert.Contains("ready connections=20", output.Text, StringComparison.Ordinal);
        Assert.Equal(20, output.ConnectionsAtReady);
        Assert.Equal(20, result.Connections);
        string lastLine = output.Text.TrimEnd().Split('\n')[^1];
        Assert.Equal(20, JsonDocument.Parse(lastLine).RootElement.GetProperty("connections").GetInt32());
    }

    [Fact]
    public async Task Redeclaring_a_queue_with_other_durability_fails_with_the_brokers_reason()
    {
        var (first, _, _) = await RunAsync("--durable", "--queue", "clash-q", "--pmessages", "10", "--time", "10");
        Assert.Null(first.Error);

        var output = new StringWriter();
        var error = new StringWriter();
        int exit = await Program.RunAsync(["--queue", "clash-q", "--pmessages", "10", "--time", "10", "--uri", Uri], output, error);

        Assert.Equal(2, exit);
        Assert.Contains("406", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refused_connection_exits_non_zero_with_a_message()
    {
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var output = new StringWriter();
        var error = new StringWriter();

        int exit = await Program.RunAsync(["--uri", $"amqp://guest:guest@127.0.0.1:{port}/", "--time", "1"], output, error);

        Assert.Equal(2, exit);
        Assert.Contains("cannot connect to 127.0.0.1:" + port, error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Notes how many connections the broker holds at the moment the ready line is written.</summary>
    private sealed class ReadyLineWriter(Func<int> connections) : StringWriter
    {
        public int ConnectionsAtReady { get; private set; } = -1;
        public string Text => ToString();

        public override void WriteLine(string? value)
        {
            Observe(value);
            base.WriteLine(value);
        }

        public override Task WriteLineAsync(string? value)
        {
            Observe(value);
            return base.WriteLineAsync(value);
        }

        private void Observe(string? value)
        {
            if (value?.StartsWith("ready connections=", StringComparison.Ordinal) == true)
            {
                ConnectionsAtReady = connections();
            }
        }
    }
}
