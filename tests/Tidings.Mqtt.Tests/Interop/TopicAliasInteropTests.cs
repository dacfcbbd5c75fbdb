using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>
/// MQTT 5.0 Topic Aliases both ways (MQTT-3.3.2.3.4): the broker resolves the aliases a client
/// sets, refuses one outside its maximum with 0x94, and uses aliases towards a client only within
/// the maximum the client gave, none when it gave 0, none carried over to a new connection.
/// MQTTnet hands aliased deliveries to the application as they arrived (empty topic, alias set),
/// so the tests resolve them as a client must and check every message's topic.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class TopicAliasInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static MqttApplicationMessage Aliased(string topic, ushort alias, string payload) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithTopicAlias(alias).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    /// <summary>Topics of <paramref name="messages"/> as a client resolves them; asserts no alias exceeds <paramref name="maximum"/>.</summary>
    private static List<string> Resolve(IEnumerable<MqttApplicationMessage> messages, ushort maximum)
    {
        var aliases = new Dictionary<ushort, string>();
        var topics = new List<string>();
        foreach (var message in messages)
        {
            if (message.TopicAlias == 0)
            {
                Assert.False(string.IsNullOrEmpty(message.Topic), "a delivery without topic or alias");
                topics.Add(message.Topic);
                continue;
            }
            Assert.InRange(message.TopicAlias, (ushort)1, maximum);
            if (!string.IsNullOrEmpty(message.Topic)) aliases[message.TopicAlias] = message.Topic;
            Assert.True(aliases.TryGetValue(message.TopicAlias, out var topic), $"alias {message.TopicAlias} used before it was set");
            topics.Add(topic);
        }
        return topics;
    }

    [Fact]
    public async Task Aliases_a_client_sets_are_resolved_for_every_subscriber()
    {
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "alias-in-sub");
        await subscriber.SubscribeAsync("alias-in/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "alias-in-pub");
        Assert.Equal(16, publisher.Result!.TopicAliasMaximum);

        await publisher.Client.PublishAsync(Aliased("alias-in/a", 1, "set 1"));
        await publisher.Client.PublishAsync(Aliased("alias-in/b", 2, "set 2"));
        await publisher.Client.PublishAsync(Aliased("", 1, "use 1"));
        await publisher.Client.PublishAsync(Aliased("", 2, "use 2"));
        await publisher.Client.PublishAsync(Aliased("alias-in/c", 1, "repoint 1"));
        await publisher.Client.PublishAsync(Aliased("", 1, "use 1 again"));

        var received = await subscriber.WaitForAsync(6);
        Assert.Equal(["alias-in/a", "alias-in/b", "alias-in/a", "alias-in/b", "alias-in/c", "alias-in/c"], received.Select(m => m.Topic));
        Assert.Equal(["set 1", "set 2", "use 1", "use 2", "repoint 1", "use 1 again"], received.Select(m => m.ConvertPayloadToString()));
    }

    [Theory]
    [InlineData((ushort)17)]
    public async Task An_alias_above_the_maximum_gets_disconnect_0x94_and_others_keep_working(ushort alias)
    {
        await using var bystander = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "alias-bystander");
        await bystander.SubscribeAsync("alias-bad/ok", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "alias-bad");
        _ = publisher.Client.PublishAsync(Aliased("alias-bad/x", alias, "bad"));
        await Eventually.TrueAsync(() => !publisher.Disconnects.IsEmpty, "the publisher was disconnected");
        Assert.Equal(MqttClientDisconnectReason.TopicAliasInvalid, publisher.Disconnects.First().Reason);

        await bystander.Client.PublishAsync(MqttInterop.Message("alias-bad/ok", "fine", MqttQualityOfServiceLevel.AtLeastOnce));
        Assert.Single(await bystander.WaitForAsync(1));
    }

    [Fact]
    public async Task An_alias_used_before_it_was_set_is_a_protocol_error()
    {
        await using var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "alias-unset");
        _ = publisher.Client.PublishAsync(Aliased("", 3, "nothing set"));
        await Eventually.TrueAsync(() => !publisher.Disconnects.IsEmpty, "the publisher was disconnected");
        Assert.Equal(MqttClientDisconnectReason.ProtocolError, publisher.Disconnects.First().Reason);
    }

    [Fact]
    public async Task Deliveries_use_aliases_within_the_clients_maximum_and_every_topic_resolves()
    {
        const ushort maximum = 2;
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "alias-out-sub",
            b => b.WithTopicAliasMaximum(maximum));
        await subscriber.SubscribeAsync("alias-out/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "alias-out-pub");
        string[] topics = ["alias-out/a", "alias-out/b", "alias-out/c", "alias-out/d/e"];
        // Runs of one topic (the alias is then known) and interleaved topics (aliases are re-pointed
        // when topics share one; which do depends on the process's string hashing).
        var sent = Enumerable.Range(0, 24).Select(i => topics[i / 3 % topics.Length])
            .Concat(Enumerable.Range(0, 24).Select(i => topics[i % 7 % topics.Length])).ToList();
        foreach (var topic in sent) await publisher.Client.PublishAsync(MqttInterop.Message(topic, topic, MqttQualityOfServiceLevel.AtLeastOnce));

        var received = await subscriber.WaitForAsync(sent.Count);
        Assert.Equal(sent, Resolve(received, maximum));
        Assert.Equal(sent, received.Select(m => m.ConvertPayloadToString()));
        Assert.Contains(received, m => string.IsNullOrEmpty(m.Topic));
    }

    [Fact]
    public async Task A_client_that_allows_no_aliases_gets_none_and_aliases_do_not_survive_a_reconnect()
    {
        await using (var plain = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "alias-none"))
        {
            await plain.SubscribeAsync("alias-none/#");
            for (int i = 0; i < 5; i++) await plain.Client.PublishAsync(MqttInterop.Message("alias-none/t", $"{i}"));
            var received = await plain.WaitForAsync(5);
            Assert.All(received, m => Assert.Equal((0, "alias-none/t"), (m.TopicAlias, m.Topic)));
        }

        for (int connection = 0; connection < 2; connection++)
        {
            await using var client = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "alias-again",
                b => b.WithTopicAliasMaximum(4));
            await client.SubscribeAsync("alias-again/#");
            for (int i = 0; i < 3; i++) await client.Client.PublishAsync(MqttInterop.Message("alias-again/t", $"{i}"));
            var received = await client.WaitForAsync(3);
            // Each new connection's first delivery sets the alias again with the full topic.
            Assert.Equal("alias-again/t", received[0].Topic);
            Assert.Equal(["alias-again/t", "alias-again/t", "alias-again/t"], Resolve(received, 4));
        }
    }
}
