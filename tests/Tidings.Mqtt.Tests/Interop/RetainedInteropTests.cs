using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Core;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>Retained messages through MQTTnet: stored, cleared, sent on SUBSCRIBE (Retain Handling, QoS, flow control), kept across a restart.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RetainedInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<MqttProtocolVersion> Versions() => new(MqttProtocolVersion.V311, MqttProtocolVersion.V500);

    private static MqttApplicationMessage Retained(string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).WithRetainFlag().Build();

    private static string Text(MqttApplicationMessage m) => Encoding.UTF8.GetString(m.Payload);

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_later_subscriber_gets_the_retained_message_with_its_topic_and_the_retain_flag(MqttProtocolVersion version)
    {
        string t = $"ret-{version}";
        await using (var publisher = await MqttInterop.ConnectAsync(_server, version, "pub-" + t))
        {
            await publisher.Client.PublishAsync(Retained($"{t}/kitchen/temp", "21.5"));
            await publisher.Client.PublishAsync(Retained($"{t}/hall/temp", "19.0"));
        }
        await using var subscriber = await MqttInterop.ConnectAsync(_server, version, "sub-" + t);
        await subscriber.SubscribeAsync($"{t}/+/temp", MqttQualityOfServiceLevel.AtLeastOnce);
        var got = await subscriber.WaitForAsync(2);
        Assert.Equal([$"{t}/hall/temp", $"{t}/kitchen/temp"], got.Select(m => m.Topic).Order(StringComparer.Ordinal));
        Assert.All(got, m => Assert.True(m.Retain));
        Assert.Equal("21.5", Text(got.Single(m => m.Topic.Contains("kitchen"))));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task An_empty_retained_publish_clears_the_topic(MqttProtocolVersion version)
    {
        string t = $"clear-{version}";
        await using (var publisher = await MqttInterop.ConnectAsync(_server, version, "pub-" + t))
        {
            await publisher.Client.PublishAsync(Retained($"{t}/a", "old"));
            await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"{t}/a").WithRetainFlag()
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        await using var subscriber = await MqttInterop.ConnectAsync(_server, version, "sub-" + t);
        await subscriber.SubscribeAsync($"{t}/#");
        await Task.Delay(MqttInterop.Quiet);
        Assert.Empty(subscriber.Messages);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_retained_publish_is_routed_live_with_the_retain_flag_cleared(MqttProtocolVersion version)
    {
        string t = $"live-{version}";
        await using var subscriber = await MqttInterop.ConnectAsync(_server, version, "sub-" + t);
        await subscriber.SubscribeAsync($"{t}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttInterop.ConnectAsync(_server, version, "pub-" + t);
        await publisher.Client.PublishAsync(Retained($"{t}/x", "now"));
        var got = await subscriber.WaitForAsync(1);
        Assert.Equal("now", Text(got[0]));
        Assert.False(got[0].Retain);
    }

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce, MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.ExactlyOnce, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce, MqttQualityOfServiceLevel.ExactlyOnce, MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task A_retained_message_is_delivered_at_the_lower_of_its_qos_and_the_granted_qos(
        MqttQualityOfServiceLevel published, MqttQualityOfServiceLevel granted, MqttQualityOfServiceLevel expected)
    {
        string t = $"qos-{published}-{granted}";
        await using (var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "pub-" + t))
            await publisher.Client.PublishAsync(Retained($"{t}/q", "v", published));
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "sub-" + t);
        await subscriber.SubscribeAsync($"{t}/q", granted);
        var got = await subscriber.WaitForAsync(1);
        Assert.Equal(expected, got[0].QualityOfServiceLevel);
    }

    [Theory]
    [InlineData(MqttRetainHandling.SendAtSubscribe, 2)]
    [InlineData(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly, 1)]
    [InlineData(MqttRetainHandling.DoNotSendOnSubscribe, 0)]
    public async Task Retain_handling_decides_whether_a_subscribe_and_a_repeated_subscribe_get_the_retained_message(
        MqttRetainHandling handling, int expected)
    {
        string t = $"rh-{handling}";
        await using (var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "pub-" + t))
            await publisher.Client.PublishAsync(Retained($"{t}/r", "v"));
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "sub-" + t);
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic($"{t}/r").WithAtLeastOnceQoS().WithRetainHandling(handling)).Build();
        await subscriber.Client.SubscribeAsync(subscribe);
        await subscriber.Client.SubscribeAsync(subscribe);
        if (expected > 0) await subscriber.WaitForAsync(expected);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Equal(expected, subscriber.Messages.Count);
        Assert.All(subscriber.Messages, m => Assert.True(m.Retain));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_shared_subscription_gets_no_retained_messages(MqttProtocolVersion version)
    {
        string t = $"shret-{version}";
        await using (var publisher = await MqttInterop.ConnectAsync(_server, version, "pub-" + t))
            await publisher.Client.PublishAsync(Retained($"{t}/a", "v"));
        await using var subscriber = await MqttInterop.ConnectAsync(_server, version, "sub-" + t);
        await subscriber.SubscribeAsync($"$share/g/{t}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Empty(subscriber.Messages);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Five_thousand_retained_messages_all_reach_a_subscriber_with_a_window_of_ten(MqttProtocolVersion version)
    {
        const int count = 5000;
        string t = $"many-{version}";
        await using (var publisher = await MqttInterop.ConnectAsync(_server, version, "pub-" + t))
        {
            for (int i = 0; i < count; i++)
                await publisher.Client.PublishAsync(Retained($"{t}/{i % 50}/{i}", i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    i == count - 1 ? MqttQualityOfServiceLevel.AtLeastOnce : MqttQualityOfServiceLevel.AtMostOnce));
        }
        // Receive Maximum 10 in 5.0; 3.1.1 has the server's prefetch (100) as its window.
        await using var subscriber = await MqttInterop.ConnectAsync(_server, version, "sub-" + t,
            o => { if (version == MqttProtocolVersion.V500) o.WithReceiveMaximum(10); });
        await subscriber.SubscribeAsync($"{t}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await Eventually.TrueAsync(() => subscriber.Messages.Count >= count, $"{count} retained messages (got {subscriber.Messages.Count})",
            TimeSpan.FromSeconds(60));
        var payloads = subscriber.Messages.Select(Text).ToHashSet();
        Assert.Equal(count, payloads.Count);
        Assert.All(subscriber.Messages, m => Assert.True(m.Retain));
    }

    [Fact]
    public async Task A_will_with_retain_is_kept_for_later_subscribers()
    {
        await using (var dying = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "dying",
                         o => o.WithWillTopic("will-ret/status").WithWillPayload("offline").WithWillRetain().WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)))
        {
            await dying.Client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage).Build());
        }
        // The broker publishes the will once it has seen the connection end, after the client's
        // DisconnectAsync returned: a subscriber that came first would get it live, not retained.
        await Eventually.TrueAsync(() => Tidings.Mqtt.Retained.RetainedStoreRegistry.Find(_server.Broker)?.Count == 1, "the will is retained");
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "sub-will-ret");
        await subscriber.SubscribeAsync("will-ret/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var got = await subscriber.WaitForAsync(1);
        Assert.Equal("offline", Text(got[0]));
        Assert.True(got[0].Retain);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Retained_messages_survive_a_broker_restart(MqttProtocolVersion version)
    {
        using var directory = new TempDirectory("tidings-mqtt-retained");
        var options = new BrokerOptions { MemoryHighWatermarkBytes = 0, DataDirectory = directory.Path };
        await using (var first = await TestBrokerServer.StartAmqpAsync(brokerOptions: options, configureMqtt: o => o.RetainedOnDisk = true))
        {
            await using var publisher = await MqttInterop.ConnectAsync(first, version, "pub-restart");
            await publisher.Client.PublishAsync(Retained("restart/config", "v1"));
            await publisher.Client.PublishAsync(Retained("restart/config", "v2"));
            await publisher.Client.PublishAsync(Retained("restart/gone", "x"));
            await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("restart/gone").WithRetainFlag()
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        Assert.True(Directory.Exists(Path.Combine(directory.Path, Tidings.Mqtt.Retained.RetainedStores.FolderName)));
        var again = new BrokerOptions { MemoryHighWatermarkBytes = 0, DataDirectory = directory.Path };
        await using var second = await TestBrokerServer.StartAmqpAsync(brokerOptions: again, configureMqtt: o => o.RetainedOnDisk = true);
        await using var subscriber = await MqttInterop.ConnectAsync(second, version, "sub-restart");
        await subscriber.SubscribeAsync("restart/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var got = await subscriber.WaitForAsync(1);
        await Task.Delay(MqttInterop.Quiet);
        var message = Assert.Single(subscriber.Messages);
        Assert.Equal("restart/config", message.Topic);
        Assert.Equal("v2", Text(message));
        Assert.True(message.Retain);
    }

    [Fact]
    public async Task A_retain_beyond_the_stores_limit_gets_puback_0x97_in_5_and_is_still_routed()
    {
        await using var limited = await TestBrokerServer.StartAmqpAsync(configureMqtt: o => o.RetainedMaxCount = 1);
        await using var subscriber = await MqttInterop.ConnectAsync(limited, MqttProtocolVersion.V500, "sub-limit");
        await subscriber.SubscribeAsync("limit/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttInterop.ConnectAsync(limited, MqttProtocolVersion.V500, "pub-limit");
        var first = await publisher.Client.PublishAsync(Retained("limit/a", "1"));
        var second = await publisher.Client.PublishAsync(Retained("limit/b", "2"));
        Assert.Equal(MqttClientPublishReasonCode.Success, first.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, second.ReasonCode);
        await subscriber.WaitForAsync(2);
        await using var later = await MqttInterop.ConnectAsync(limited, MqttProtocolVersion.V500, "later-limit");
        await later.SubscribeAsync("limit/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await later.WaitForAsync(1);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Equal("limit/a", Assert.Single(later.Messages).Topic);
    }
}
