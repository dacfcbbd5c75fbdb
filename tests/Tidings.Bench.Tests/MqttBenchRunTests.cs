using Tidings.MqttBench;

namespace Tidings.Bench.Tests;

/// <summary>
/// Short slices of the MQTT scenarios against an in-process broker: the generator must count what
/// it sends and receives correctly, or the benchmark table in docs/BENCHMARKS.md means nothing.
/// </summary>
public sealed class MqttBenchRunTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private MqttBenchOptions Options(params string[] args) =>
        MqttBenchOptions.Parse([.. args, "--port", _server.MqttPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    private static CancellationToken Bounded => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [Fact]
    public async Task Qos0_throughput_run_receives_what_it_published()
    {
        var result = await ThroughputRun.RunAsync(Options("--scenario", "m1", "--time", "1"), Bounded);

        Assert.Null(result.Error);
        Assert.True(result.Published > 1000, $"published {result.Published}");
        // QoS 0 on loopback to a live subscriber: the broker drops nothing here, but the run stops
        // with some messages still in flight.
        Assert.InRange(result.Received, result.Published / 2, result.Published);
        Assert.True(result.ReceiveRate > 0);
    }

    [Fact]
    public async Task Qos1_throughput_run_has_every_publish_acknowledged()
    {
        var result = await ThroughputRun.RunAsync(Options("--scenario", "m2", "--time", "1"), Bounded);

        Assert.Null(result.Error);
        Assert.True(result.Published > 100, $"published {result.Published}");
        Assert.Equal(result.Published, result.Acknowledged);
        Assert.True(result.Received > 0);
    }

    [Fact]
    public async Task Latency_run_at_a_fixed_rate_reports_ordered_percentiles_over_every_message()
    {
        var result = await LatencyRun.RunAsync(Options("--scenario", "m4", "--time", "1", "--rate", "1000"), Bounded);

        Assert.Null(result.Error);
        Assert.InRange(result.Published, 800, 1100);
        var latency = Assert.IsType<LatencySamples.Summary>(result.Latency);
        Assert.Equal(result.Received, latency.Count);
        Assert.True(latency.P50 > 0 && latency.P50 <= latency.P99 && latency.P99 <= latency.P999 && latency.P999 <= latency.Max,
            $"{latency}");
    }

    [Fact]
    public async Task Offline_backlog_run_drains_every_acknowledged_message_from_the_persistent_session()
    {
        var result = await OfflineBacklogRun.RunAsync(Options("--scenario", "m6", "--messages", "3000"), Bounded);

        Assert.Null(result.Error);
        Assert.Equal(3000, result.Acknowledged);
        Assert.Equal(3000, result.Distinct);
        Assert.Equal(0, result.Lost);
    }

    [Fact]
    public async Task Idle_connections_run_reports_ready_and_keeps_every_connection_open()
    {
        var output = new StringWriter();
        var result = await IdleConnectionsRun.RunAsync(Options("--scenario", "m5", "--connections", "50", "--time", "1"), output, Bounded);

        Assert.Null(result.Error);
        Assert.Contains("ready connections=50", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(50, result.Connections);
    }
}
