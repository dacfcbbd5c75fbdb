using System.Globalization;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>MQTTnet clients as the management API and /metrics show them: connections, listeners, session queues, MQTT metrics.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class MonitoringInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartWithHttpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var client = _server.Client();
        using var document = JsonDocument.Parse(await client.GetStringAsync(path));
        return document.RootElement.Clone();
    }

    /// <summary>Unlabelled and labelled samples of /metrics by their series (e.g. <c>tidings_connections_by_protocol{protocol="MQTT 5.0"}</c>).</summary>
    private async Task<Dictionary<string, double>> ScrapeAsync()
    {
        using var client = _server.Client(user: null);
        string text = await client.GetStringAsync("/metrics");
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            int space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return samples;
    }

    private async Task<double?> SampleAsync(string series) => (await ScrapeAsync()).TryGetValue(series, out var value) ? value : null;

    [Fact]
    public async Task The_metrics_families_exist_before_any_MQTT_client()
    {
        var metrics = await ScrapeAsync();
        Assert.Equal(0, metrics["tidings_mqtt_retained_messages"]);
        Assert.Equal(0, metrics["tidings_mqtt_retained_bytes"]);
        Assert.Equal(0, metrics["tidings_mqtt_deliveries_dropped_oversize_total"]);
        Assert.Equal(0, metrics["tidings_detached_sessions"]);
        Assert.Equal(0, metrics["tidings_connections"]);
        Assert.DoesNotContain(metrics.Keys, k => k.StartsWith("tidings_connections_by_protocol", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Management_api_and_metrics_show_MQTT_3_1_1_and_5_0_clients()
    {
        await using var v311 = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V311, "mon-311");
        // A 5.0 client that takes at most 256-byte packets: a bigger delivery is dropped for it.
        await using var v5 = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "mon-50",
            o => o.WithMaximumPacketSize(256));
        await v5.SubscribeAsync("mon/#", MqttQualityOfServiceLevel.AtLeastOnce);

        // /api/connections: the protocol and version, the client id.
        var connections = await GetJsonAsync("/api/connections");
        var byClient = connections.EnumerateArray().ToDictionary(
            c => c.GetProperty("client_properties").GetProperty("client_id").GetString()!, c => c.GetProperty("protocol").GetString());
        Assert.Equal("MQTT 3.1.1", byClient["mon-311"]);
        Assert.Equal("MQTT 5.0", byClient["mon-50"]);

        // /api/overview: the MQTT listener with its port.
        var overview = await GetJsonAsync("/api/overview");
        var mqtt = Assert.Single(overview.GetProperty("listeners").EnumerateArray(), l => l.GetProperty("protocol").GetString() == "mqtt");
        Assert.Equal(_server.MqttPort, mqtt.GetProperty("port").GetInt32());

        // /api/queues: the subscribing client's session queue, with its consumer.
        var queues = await GetJsonAsync("/api/queues");
        var session = Assert.Single(queues.EnumerateArray(), q => q.GetProperty("name").GetString() == "mqtt-subscription-mon-50qos1");
        Assert.Equal(1, session.GetProperty("consumers").GetInt32());

        // A retained message is stored; a 1 KiB message is delivered to nobody: it does not fit the 5.0 client.
        await v311.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("mon/state").WithPayload("on")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build());
        await v311.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("mon/big").WithPayload(new byte[1024])
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await v5.WaitForAsync(1); // the retained one is small enough
        await Eventually.TrueAsync(async () => await SampleAsync("tidings_mqtt_deliveries_dropped_oversize_total") == 1,
            "one delivery dropped for the client's Maximum Packet Size");
        Assert.Equal("mon/state", Assert.Single(v5.Messages).Topic);

        var metrics = await ScrapeAsync();
        Assert.Equal(2, metrics["tidings_connections"]);
        Assert.Equal(1, metrics["tidings_connections_by_protocol{protocol=\"MQTT 3.1.1\"}"]);
        Assert.Equal(1, metrics["tidings_connections_by_protocol{protocol=\"MQTT 5.0\"}"]);
        Assert.Equal(1, metrics["tidings_mqtt_retained_messages"]);
        Assert.Equal("mon/state".Length + "on".Length, metrics["tidings_mqtt_retained_bytes"]);
        Assert.Equal(0, metrics["tidings_detached_sessions"]);
    }

    [Fact]
    public async Task A_persistent_session_without_its_client_counts_as_detached_until_the_client_returns()
    {
        void Persistent(MqttClientOptionsBuilder o) => o.WithCleanStart(false).WithSessionExpiryInterval(600);
        await using (var first = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "mon-away", Persistent))
        {
            await first.SubscribeAsync("away/#", MqttQualityOfServiceLevel.AtLeastOnce);
        }
        await Eventually.TrueAsync(async () => await SampleAsync("tidings_detached_sessions") == 1, "the session is kept detached");
        Assert.Null(await SampleAsync("tidings_connections_by_protocol{protocol=\"MQTT 5.0\"}"));

        await using var back = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "mon-away", Persistent);
        Assert.True(back.Result!.IsSessionPresent);
        Assert.Equal(0, await SampleAsync("tidings_detached_sessions"));
        Assert.Equal(1, await SampleAsync("tidings_connections_by_protocol{protocol=\"MQTT 5.0\"}"));
    }
}
