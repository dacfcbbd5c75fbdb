using System.Net;
using System.Text;
using System.Text.Json;
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
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/rest/vhosts/%2F/queues/hive-reports/events?prefetch=10&ack=auto");
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var events = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token), Encoding.UTF8);
        Assert.Equal("ready", (await ReadEventAsync(events, cts.Token)).Type);

        // A 16-byte occupancy report: entries, exits, totals, date and time, report type 0xFF.
        byte[] report = [3, 0, 1, 0, 120, 0, 98, 0, 0xEA, 0x07, 12, 3, 9, 41, 0, 0xFF];
        await using var sensor = await MqttInterop.ConnectAsync(server, version, "sse-sensor-" + version);
        await sensor.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("hives/h1/sensors/s7").WithPayload(report).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var delivered = await ReadEventAsync(events, cts.Token);
        Assert.Equal("message", delivered.Type);
        using var json = JsonDocument.Parse(delivered.Data);
        var message = json.RootElement;
        Assert.Equal("hives.h1.sensors.s7", message.GetProperty("routing_key").GetString());
        Assert.Equal("amq.topic", message.GetProperty("exchange").GetString());
        byte[] payload = message.GetProperty("payload_encoding").GetString() == "base64"
            ? Convert.FromBase64String(message.GetProperty("payload").GetString()!)
            : Encoding.UTF8.GetBytes(message.GetProperty("payload").GetString()!);
        Assert.Equal(report, payload);
    }

    private static async Task<(string Type, string Data)> ReadEventAsync(StreamReader reader, CancellationToken ct)
    {
        string type = "message";
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0) return (type, data.ToString());
                continue;
            }
            if (line.StartsWith(':')) continue;
            if (line.StartsWith("event:", StringComparison.Ordinal)) type = line["event:".Length..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal)) data.Append(line["data:".Length..].TrimStart());
        }
        throw new EndOfStreamException("the event stream ended");
    }
}
