using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>MQTT 5.0 subscription options (No Local, Retain As Published) and Subscription Identifiers through MQTTnet.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class SubscriptionOptionsInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static MqttApplicationMessage Message(string topic, string payload, bool retain = false) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain).Build();

    private static Task Subscribe(Received client, string filter, bool noLocal = false, bool retainAsPublished = false, uint id = 0)
    {
        var builder = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(filter).WithAtLeastOnceQoS().WithNoLocal(noLocal).WithRetainAsPublished(retainAsPublished));
        if (id != 0) builder.WithSubscriptionIdentifier(id);
        return client.Client.SubscribeAsync(builder.Build());
    }

    [Fact]
    public async Task No_local_keeps_a_clients_own_publishes_from_its_subscription_but_not_others()
    {
        await using var client = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "nl-self");
        await Subscribe(client, "nl/#", noLocal: true);
        await using var other = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "nl-other");
        await client.Client.PublishAsync(Message("nl/a", "mine"));
        await other.Client.PublishAsync(Message("nl/a", "theirs"));
        await client.WaitForAsync(1);
        await Task.Delay(MqttInterop.Quiet);
        var got = Assert.Single(client.Messages);
        Assert.Equal("theirs", Encoding.UTF8.GetString(got.Payload));
    }

    [Fact]
    public async Task Without_no_local_a_client_gets_its_own_publishes()
    {
        await using var client = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "nl-off");
        await Subscribe(client, "nloff/#");
        await client.Client.PublishAsync(Message("nloff/a", "mine"));
        var got = await client.WaitForAsync(1);
        Assert.Equal("mine", Encoding.UTF8.GetString(got[0].Payload));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Retain_as_published_keeps_the_retain_flag_of_a_live_delivery(bool retainAsPublished)
    {
        string t = $"rap-{retainAsPublished}";
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "sub-" + t);
        await Subscribe(subscriber, $"{t}/#", retainAsPublished: retainAsPublished);
        await using var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "pub-" + t);
        await publisher.Client.PublishAsync(Message($"{t}/x", "retained", retain: true));
        await publisher.Client.PublishAsync(Message($"{t}/x", "plain"));
        var got = await subscriber.WaitForAsync(2);
        Assert.Equal(retainAsPublished, got.Single(m => Encoding.UTF8.GetString(m.Payload) == "retained").Retain);
        Assert.False(got.Single(m => Encoding.UTF8.GetString(m.Payload) == "plain").Retain);
    }

    [Fact]
    public async Task A_delivery_carries_the_identifiers_of_every_matching_subscription()
    {
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "ids");
        await Subscribe(subscriber, "ids/+/temp", id: 7);
        await Subscribe(subscriber, "ids/#", id: 300);
        await Subscribe(subscriber, "ids/kitchen/temp");
        await using var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "ids-pub");
        await publisher.Client.PublishAsync(Message("ids/kitchen/temp", "a"));
        await publisher.Client.PublishAsync(Message("ids/other", "b"));
        var got = await subscriber.WaitForAsync(2);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Equal(2, subscriber.Messages.Count);
        Assert.Equal([7u, 300u], got.Single(m => m.Topic == "ids/kitchen/temp").SubscriptionIdentifiers.Order());
        Assert.Equal([300u], got.Single(m => m.Topic == "ids/other").SubscriptionIdentifiers);
    }

    [Fact]
    public async Task A_retained_message_sent_on_subscribe_carries_the_subscription_identifier()
    {
        await using (var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "idr-pub"))
            await publisher.Client.PublishAsync(Message("idr/a", "kept", retain: true));
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "idr");
        await Subscribe(subscriber, "idr/#", id: 42);
        var got = await subscriber.WaitForAsync(1);
        Assert.True(got[0].Retain);
        Assert.Equal([42u], got[0].SubscriptionIdentifiers);
    }

    [Fact]
    public async Task Options_and_identifiers_survive_a_reconnect_of_a_persistent_session()
    {
        void Persistent(MqttClientOptionsBuilder o) => o.WithCleanStart(false).WithSessionExpiryInterval(600);
        await using (var first = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "opts-persist", Persistent))
        {
            await Subscribe(first, "persist/#", noLocal: true, retainAsPublished: true, id: 9);
        }
        await using var again = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "opts-persist", Persistent);
        Assert.True(again.Result!.IsSessionPresent);
        await using var other = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "opts-other");
        await again.Client.PublishAsync(Message("persist/a", "mine"));
        await other.Client.PublishAsync(Message("persist/a", "theirs", retain: true));
        var got = await again.WaitForAsync(1);
        await Task.Delay(MqttInterop.Quiet);
        var message = Assert.Single(again.Messages);
        Assert.Equal("theirs", Encoding.UTF8.GetString(message.Payload));
        Assert.True(message.Retain);
        Assert.Equal([9u], message.SubscriptionIdentifiers);
    }
}
