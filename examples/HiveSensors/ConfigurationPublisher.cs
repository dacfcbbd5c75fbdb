using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Tidings.Examples.HiveSensors;

/// <summary>
/// The system side that configures sensors: publishes each sensor's 12-byte configuration to
/// <c>commands/sensor/&lt;sensor-id&gt;</c> retained at QoS 1, so a sensor gets the newest one
/// whenever it subscribes — also one installed after the configuration was set, and after a
/// broker restart (retained messages are stored durably).
/// </summary>
public sealed class ConfigurationPublisher : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public async Task ConnectAsync(string host, int port, CancellationToken cancellation = default)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId("hive-configuration")
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        await _client.ConnectAsync(options, cancellation);
    }

    /// <summary>Sets a sensor's configuration; returns once the broker has stored it (PUBACK).</summary>
    public async Task ConfigureAsync(string sensorId, SensorConfiguration configuration, CancellationToken cancellation = default)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(HiveTopics.Commands(sensorId))
            .WithPayload(configuration.Encode())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag()
            .Build();
        var result = await _client.PublishAsync(message, cancellation);
        // 0x10 (no matching subscribers) is a success: the retained copy is what matters.
        if (!result.IsSuccess && result.ReasonCode != MqttClientPublishReasonCode.NoMatchingSubscribers)
            throw new InvalidOperationException($"configuration for {sensorId} refused: {result.ReasonCode} {result.ReasonString}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected) await _client.DisconnectAsync();
        _client.Dispose();
    }
}
