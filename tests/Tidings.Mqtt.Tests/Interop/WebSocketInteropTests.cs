using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Mqtt.Tests.Interop.ThirdParty;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>
/// MQTT over WebSocket at /mqtt on the HTTP port: MQTTnet's and mqtt.js's WebSocket transports
/// against the same sessions and queues as TCP clients, and what a non-MQTT request there gets.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class WebSocketInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartWithHttpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string WebSocketUrl => $"ws://127.0.0.1:{_server.BaseAddress.Port}/mqtt";

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_WebSocket_client_and_a_TCP_client_exchange_messages_both_ways(MqttProtocolVersion version)
    {
        await using var overWebSocket = await MqttInterop.ConnectAsync(_server, version, "ws-" + version,
            b => b.WithWebSocketServer(o => o.WithUri(WebSocketUrl)));
        Assert.Equal(MqttClientConnectResultCode.Success, overWebSocket.Result!.ResultCode);
        await using var overTcp = await MqttInterop.ConnectAsync(_server, version, "tcp-" + version);
        await overWebSocket.SubscribeAsync($"ws/{version}/down/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await overTcp.SubscribeAsync($"ws/{version}/up/+", MqttQualityOfServiceLevel.ExactlyOnce);

        // Big enough to span several WebSocket frames and TCP segments.
        string big = new('x', 200_000);
        for (int i = 0; i < 20; i++)
        {
            await overTcp.Client.PublishAsync(MqttInterop.Message($"ws/{version}/down/{i}", $"down {i}", MqttQualityOfServiceLevel.AtLeastOnce));
            await overWebSocket.Client.PublishAsync(MqttInterop.Message($"ws/{version}/up/{i}", i == 7 ? big : $"up {i}", MqttQualityOfServiceLevel.ExactlyOnce));
        }

        var down = await overWebSocket.WaitForAsync(20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"down {i}"), down.Select(m => m.ConvertPayloadToString()));
        var up = await overTcp.WaitForAsync(20);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i == 7 ? big : $"up {i}"), up.Select(m => m.ConvertPayloadToString()));
        Assert.All(up, m => Assert.Equal(MqttQualityOfServiceLevel.ExactlyOnce, m.QualityOfServiceLevel));
    }

    [Fact]
    public async Task A_WebSocket_client_that_drops_its_socket_has_its_will_published()
    {
        await using var watcher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "ws-will-watcher");
        await watcher.SubscribeAsync("ws/will", MqttQualityOfServiceLevel.AtLeastOnce);
        var dying = new MqttClientFactory().CreateMqttClient();
        await dying.ConnectAsync(MqttInterop.Options(_server, MqttProtocolVersion.V500, "ws-will")
            .WithWebSocketServer(o => o.WithUri(WebSocketUrl))
            .WithWillTopic("ws/will").WithWillPayload("gone").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        // Dispose without DISCONNECT: the WebSocket goes away abnormally.
        dying.Dispose();
        var will = await watcher.WaitForAsync(1);
        Assert.Equal("gone", will[0].ConvertPayloadToString());
    }

    [Fact]
    public async Task A_plain_HTTP_request_to_the_MQTT_path_is_refused_with_a_JSON_error()
    {
        using var client = _server.Client();
        using var response = await client.GetAsync("/mqtt");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WebSocket", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_WebSocket_offering_only_another_subprotocol_is_refused()
    {
        using var socket = new ClientWebSocket();
        socket.Options.AddSubProtocol("stomp");
        var error = await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(new Uri(WebSocketUrl), CancellationToken.None));
        Assert.Contains("400", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pubsub_ws", "3.1.1")]
    [InlineData("pubsub_ws", "5")]
    [InlineData("retained_ws", "3.1.1")]
    [InlineData("retained_ws", "5")]
    public async Task Mqtt_js_over_WebSocket_passes(string scenario, string version)
    {
        await ExternalProcess.RequireNodeModuleAsync("mqtt");
        var result = await ThirdPartyScenario.RunAsync("node", "mqttjs_scenarios.mjs", "127.0.0.1",
            _server.BaseAddress.Port.ToString(CultureInfo.InvariantCulture), scenario, version);
        Assert.True(result.ExitCode == 0, result.Describe());
        Assert.StartsWith($"OK {scenario}", result.StdOut, StringComparison.Ordinal);
    }
}
