using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>
/// MQTT → HTTP: a sensor's binary report published over MQTT reaches an app service reading the
/// queue as Server-Sent Events, bytes and topic intact.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class HttpCrossProtocolTests
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task An_MQTT_publish_is_read_over_HTTP_server_sent_events(MqttProtocolVersion version)
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync(withMqtt: true);
        var vhost = server.Broker.DefaultVirtualHost;
        vhost.DeclareQueue("hive-reports");
        vhost.BindQueue("hive-reports", "amq.topic", "hives.*.sensors.#");
        using var http = server.Client();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var events = await SseClient.OpenAsync(http, "/api/rest/vhosts/%2F/queues/hive-reports/events?prefetch=10&ack=auto", cts.Token);

        // A 16-byte occupancy report: entries, exits, totals, date and time, report type 0xFF.
        byte[] report = [3, 0, 1, 0, 120, 0, 98, 0, 0xEA, 0x07, 12, 3, 9, 41, 0, 0xFF];
        await using var sensor = await MqttInterop.ConnectAsync(server, version, "sse-sensor-" + version);
        await sensor.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("hives/h1/sensors/s7").WithPayload(report).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var message = await events.ReadMessageAsync(cts.Token);
        Assert.Equal("hives.h1.sensors.s7", message.GetProperty("routing_key").GetString());
        Assert.Equal("amq.topic", message.GetProperty("exchange").GetString());
        byte[] payload = message.GetProperty("payload_encoding").GetString() == "base64"
            ? Convert.FromBase64String(message.GetProperty("payload").GetString()!)
            : Encoding.UTF8.GetBytes(message.GetProperty("payload").GetString()!);
        Assert.Equal(report, payload);
    }
}
