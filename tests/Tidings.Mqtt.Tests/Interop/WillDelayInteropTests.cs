using System.Diagnostics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>
/// 5.0 Will Delay Interval [MQTT-3.1.3-9]: the will waits for its delay or the end of the session,
/// whichever is first, and is not sent when the session gets a new connection in time.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class WillDelayInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>Connects a 5.0 client with a will on <paramref name="topic"/> and drops its socket without DISCONNECT.</summary>
    private async Task ConnectAndDropAsync(string clientId, string topic, uint willDelay, uint sessionExpiry)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(MqttInterop.Options(_server, MqttProtocolVersion.V500, clientId)
            .WithCleanStart(false).WithSessionExpiryInterval(sessionExpiry)
            .WithWillTopic(topic).WithWillPayload("offline").WithWillDelayInterval(willDelay)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        client.Dispose();
    }

    private async Task<Received> WatchAsync(string topic)
    {
        var watcher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "watch-" + topic.Replace('/', '-'));
        await watcher.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        return watcher;
    }

    [Fact]
    public async Task The_will_waits_for_its_delay()
    {
        await using var watcher = await WatchAsync("wd/delayed");
        var clock = Stopwatch.StartNew();
        await ConnectAndDropAsync("wd-delayed", "wd/delayed", willDelay: 2, sessionExpiry: 60);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(watcher.Messages);
        var will = await watcher.WaitForAsync(1);
        Assert.Equal("offline", will[0].ConvertPayloadToString());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"sent after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_reconnect_within_the_delay_means_the_will_is_never_sent()
    {
        await using var watcher = await WatchAsync("wd/back");
        await ConnectAndDropAsync("wd-back", "wd/back", willDelay: 2, sessionExpiry: 60);
        await using var back = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "wd-back",
            b => b.WithCleanStart(false).WithSessionExpiryInterval(60));
        Assert.True(back.Result!.IsSessionPresent);
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Empty(watcher.Messages);
    }

    [Fact]
    public async Task A_session_that_ends_before_the_delay_sends_the_will_when_it_ends()
    {
        await using var watcher = await WatchAsync("wd/expiry");
        var clock = Stopwatch.StartNew();
        await ConnectAndDropAsync("wd-expiry", "wd/expiry", willDelay: 60, sessionExpiry: 1);
        await watcher.WaitForAsync(1);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"sent after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_clean_start_ends_the_old_session_and_sends_its_will_at_once()
    {
        await using var watcher = await WatchAsync("wd/clean");
        await ConnectAndDropAsync("wd-clean", "wd/clean", willDelay: 60, sessionExpiry: 60);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Empty(watcher.Messages);
        await using var fresh = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "wd-clean");
        var will = await watcher.WaitForAsync(1);
        Assert.Equal("offline", will[0].ConvertPayloadToString());
    }
}
