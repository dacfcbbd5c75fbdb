using System.Globalization;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop.ThirdParty;

/// <summary>
/// mqtt.js (npm mqtt, tests/interop/node) over TCP in 3.1.1 and 5.0, through
/// tests/interop/mqtt/mqttjs_scenarios.mjs. Its WebSocket scenarios wait for the /mqtt endpoint.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class MqttJsTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync()
    {
        await ExternalProcess.RequireNodeModuleAsync("mqtt");
        _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("pubsub_tcp", "3.1.1")]
    [InlineData("pubsub_tcp", "5")]
    [InlineData("retained", "3.1.1")]
    [InlineData("retained", "5")]
    public async Task Scenario_passes(string scenario, string version)
    {
        var result = await ThirdPartyScenario.RunAsync("node", "mqttjs_scenarios.mjs", "127.0.0.1",
            _server.MqttPort.ToString(CultureInfo.InvariantCulture), scenario, version);
        // The script checks what the client saw and says OK only when all of it held.
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.StartsWith($"OK {scenario}", result.StdOut, StringComparison.Ordinal);
    }
}
