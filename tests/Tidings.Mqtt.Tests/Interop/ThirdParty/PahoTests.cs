using System.Globalization;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop.ThirdParty;

/// <summary>
/// Eclipse Paho (Debian's python3-paho-mqtt) in MQTT 3.1.1 and 5.0 against Tidings, through
/// tests/interop/mqtt/paho_scenarios.py: QoS 0/1/2 with wildcards, retained messages, the will
/// on an abnormal close, a persistent session's queued messages, 5.0 user properties.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class PahoTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync()
    {
        await ExternalProcess.RequirePythonModulesAsync("paho.mqtt.client");
        _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }

    [Theory]
    [InlineData("pubsub_qos0", "3.1.1")]
    [InlineData("pubsub_qos0", "5")]
    [InlineData("pubsub_qos1", "3.1.1")]
    [InlineData("pubsub_qos1", "5")]
    [InlineData("pubsub_qos2", "3.1.1")]
    [InlineData("pubsub_qos2", "5")]
    [InlineData("retained", "3.1.1")]
    [InlineData("retained", "5")]
    [InlineData("will_on_abnormal_close", "3.1.1")]
    [InlineData("will_on_abnormal_close", "5")]
    [InlineData("persistent_session", "3.1.1")]
    [InlineData("persistent_session", "5")]
    [InlineData("user_properties_v5", "5")]
    public async Task Scenario_passes(string scenario, string version)
    {
        var result = await ThirdPartyScenario.RunAsync(ExternalProcess.DebianPython, "paho_scenarios.py", "127.0.0.1",
            _server.MqttPort.ToString(CultureInfo.InvariantCulture), scenario, version);
        // The script checks what the client saw and says OK only when all of it held.
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.StartsWith($"OK {scenario}", result.StdOut, StringComparison.Ordinal);
    }
}
