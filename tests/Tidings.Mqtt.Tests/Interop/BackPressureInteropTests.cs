using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>
/// Back-pressure instead of loss: while a memory or disk alarm is on, the broker stops reading
/// publishing clients (their QoS 1 publishes are not acknowledged, nothing is dropped) and keeps
/// serving everyone else; when it clears, the held publishes go through.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class BackPressureInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_resource_alarm_holds_publishers_without_dropping_and_they_resume_when_it_clears(MqttProtocolVersion version)
    {
        string topic = $"pressure/{version}";
        await using var subscriber = await MqttInterop.ConnectAsync(_server, version, "bp-sub-" + version);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        // Keep alive 2 s: a publisher that is not read while blocked must not be timed out for it.
        await using var publisher = await MqttInterop.ConnectAsync(_server, version, "bp-pub-" + version,
            b => b.WithKeepAlivePeriod(TimeSpan.FromSeconds(2)));
        await publisher.Client.PublishAsync(MqttInterop.Message(topic, "before", MqttQualityOfServiceLevel.AtLeastOnce));
        await subscriber.WaitForAsync(1);

        _server.Broker.Alarms.Set("memory", true);
        try
        {
            var held = Enumerable.Range(0, 20)
                .Select(i => publisher.Client.PublishAsync(MqttInterop.Message(topic, $"held {i}", MqttQualityOfServiceLevel.AtLeastOnce)))
                .ToList();
            await Task.Delay(TimeSpan.FromSeconds(4.5));
            Assert.All(held, p => Assert.False(p.IsCompleted, "a publish was acknowledged during the alarm"));
            Assert.Single(subscriber.Messages);
            // The broker still serves the subscriber: it can subscribe while publishers are held.
            await subscriber.SubscribeAsync(topic + "/more", MqttQualityOfServiceLevel.AtLeastOnce);
            Assert.True(publisher.Client.IsConnected,
                $"the held publisher was disconnected: {string.Join("; ", publisher.Disconnects.Select(d => $"{d.Reason} {d.ReasonString} {d.Exception?.Message}"))}");

            _server.Broker.Alarms.Set("memory", false);
            foreach (var publish in held) Assert.True((await publish.WaitAsync(TimeSpan.FromSeconds(10))).IsSuccess);
        }
        finally
        {
            _server.Broker.Alarms.Set("memory", false);
        }
        var all = await subscriber.WaitForAsync(21);
        Assert.Equal(["before", .. Enumerable.Range(0, 20).Select(i => $"held {i}")], all.Select(m => m.ConvertPayloadToString()));
    }
}
