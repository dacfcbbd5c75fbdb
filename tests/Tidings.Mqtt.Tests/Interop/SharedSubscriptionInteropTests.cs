using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Mqtt.Connection;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary><c>$share/{group}/{filter}</c> through MQTTnet: competing members, leaving, and what happens to the group's queue.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class SharedSubscriptionInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<MqttProtocolVersion> Versions() => new(MqttProtocolVersion.V311, MqttProtocolVersion.V500);

    private static async Task PublishAsync(Received publisher, string topic, int from, int count)
    {
        for (int i = from; i < from + count; i++)
        {
            await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic)
                .WithPayload(i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
    }

    private static IEnumerable<string> Payloads(Received client) => client.Messages.Select(m => Encoding.UTF8.GetString(m.Payload));

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Each_message_goes_to_one_member_of_the_group_and_every_member_gets_some(MqttProtocolVersion version)
    {
        string t = $"jobs-{version}";
        await using var a = await MqttInterop.ConnectAsync(_server, version, "a-" + t);
        await using var b = await MqttInterop.ConnectAsync(_server, version, "b-" + t);
        await a.SubscribeAsync($"$share/workers/{t}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await b.SubscribeAsync($"$share/workers/{t}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttInterop.ConnectAsync(_server, version, "p-" + t);
        await PublishAsync(publisher, $"{t}/x", 0, 40);
        await Eventually.TrueAsync(() => a.Messages.Count + b.Messages.Count >= 40, "40 messages between the members");
        await Task.Delay(MqttInterop.Quiet);
        var all = Payloads(a).Concat(Payloads(b)).ToList();
        Assert.Equal(40, all.Count);
        Assert.Equal(40, all.Distinct().Count());
        Assert.NotEmpty(a.Messages);
        Assert.NotEmpty(b.Messages);
        // The real topic, not the $share filter.
        Assert.All(a.Messages, m => Assert.Equal($"{t}/x", m.Topic));
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_member_that_unsubscribes_or_disconnects_gets_no_more_of_the_groups_messages(MqttProtocolVersion version)
    {
        string t = $"leave-{version}";
        string filter = $"$share/g/{t}/#";
        await using var a = await MqttInterop.ConnectAsync(_server, version, "a-" + t);
        await using var b = await MqttInterop.ConnectAsync(_server, version, "b-" + t);
        var c = await MqttInterop.ConnectAsync(_server, version, "c-" + t);
        foreach (var member in new[] { a, b, c }) await member.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        await a.Client.UnsubscribeAsync(filter);
        await c.DisposeAsync();
        await using var publisher = await MqttInterop.ConnectAsync(_server, version, "p-" + t);
        await PublishAsync(publisher, $"{t}/x", 0, 20);
        await b.WaitForAsync(20);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Empty(a.Messages);
        Assert.Equal(20, b.Messages.Count);
    }

    [Fact]
    public async Task The_groups_queue_of_clean_members_is_deleted_when_the_last_member_leaves()
    {
        string queue = MqttConnection.SharedQueueNameFor("tmp", "gone/#");
        var vhost = _server.Broker.DefaultVirtualHost;
        await using (var a = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "tmp-a"))
        await using (var b = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "tmp-b"))
        {
            await a.SubscribeAsync("$share/tmp/gone/#");
            await b.SubscribeAsync("$share/tmp/gone/#");
            Assert.NotNull(vhost.FindQueue(queue));
            await a.Client.UnsubscribeAsync("$share/tmp/gone/#");
            Assert.NotNull(vhost.FindQueue(queue));
        }
        await Eventually.TrueAsync(() => vhost.FindQueue(queue) is null, "the shared queue deleted with its last member");
    }

    [Fact]
    public async Task A_group_created_by_a_persistent_member_keeps_its_queue_and_messages_when_every_member_is_gone()
    {
        string queue = MqttConnection.SharedQueueNameFor("keep", "kept/#");
        var vhost = _server.Broker.DefaultVirtualHost;
        await using (var member = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "keep-a",
                         o => o.WithCleanStart(false).WithSessionExpiryInterval(600)))
        {
            await member.SubscribeAsync("$share/keep/kept/#", MqttQualityOfServiceLevel.AtLeastOnce);
        }
        await using (var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "keep-p"))
            await PublishAsync(publisher, "kept/x", 0, 5);
        var kept = vhost.FindQueue(queue);
        Assert.NotNull(kept);
        Assert.True(kept.Durable);
        await Eventually.TrueAsync(() => kept.MessageCount == 5, "5 messages kept for the group");
        await using var next = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "keep-b");
        await next.SubscribeAsync("$share/keep/kept/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await next.WaitForAsync(5);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_persistent_member_takes_up_its_group_membership_again_when_it_reconnects(MqttProtocolVersion version)
    {
        string t = $"rejoin-{version}";
        Action<MqttClientOptionsBuilder> persistent = o =>
        {
            o.WithCleanSession(false);
            if (version == MqttProtocolVersion.V500) o.WithSessionExpiryInterval(600);
        };
        await using (var member = await MqttInterop.ConnectAsync(_server, version, "m-" + t, persistent))
            await member.SubscribeAsync($"$share/g/{t}", MqttQualityOfServiceLevel.AtLeastOnce);
        // Back without subscribing again: it is still in the group, and the only member.
        await using var back = await MqttInterop.ConnectAsync(_server, version, "m-" + t, persistent);
        Assert.True(back.Result!.IsSessionPresent);
        await using var publisher = await MqttInterop.ConnectAsync(_server, version, "p-" + t);
        await PublishAsync(publisher, t, 0, 10);
        await back.WaitForAsync(10);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Payloads(back));
        // Unsubscribing the group filter works on the restored membership.
        await back.Client.UnsubscribeAsync($"$share/g/{t}");
        await PublishAsync(publisher, t, 10, 1);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Equal(10, back.Messages.Count);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Groups_are_independent_and_a_plain_subscriber_still_gets_every_message(MqttProtocolVersion version)
    {
        string t = $"groups-{version}";
        await using var g1 = await MqttInterop.ConnectAsync(_server, version, "g1-" + t);
        await using var g2 = await MqttInterop.ConnectAsync(_server, version, "g2-" + t);
        await using var plain = await MqttInterop.ConnectAsync(_server, version, "plain-" + t);
        await g1.SubscribeAsync($"$share/one/{t}/+", MqttQualityOfServiceLevel.AtLeastOnce);
        await g2.SubscribeAsync($"$share/two/{t}/+", MqttQualityOfServiceLevel.AtLeastOnce);
        await plain.SubscribeAsync($"{t}/+", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttInterop.ConnectAsync(_server, version, "p-" + t);
        await PublishAsync(publisher, $"{t}/x", 0, 10);
        await g1.WaitForAsync(10);
        await g2.WaitForAsync(10);
        await plain.WaitForAsync(10);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Equal(10, g1.Messages.Count);
        Assert.Equal(10, g2.Messages.Count);
        Assert.Equal(10, plain.Messages.Count);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task A_filter_too_long_for_the_core_fails_alone_in_suback_and_the_connection_stays(MqttProtocolVersion version)
    {
        string t = $"long-{version}";
        string tooLong = t + "/" + new string('x', 300);
        await using var client = await MqttInterop.ConnectAsync(_server, version, "c-" + t);
        var result = await client.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"$share/g/{tooLong}", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(tooLong, MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter($"{t}/ok", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal([MqttClientSubscribeResultCode.UnspecifiedError, MqttClientSubscribeResultCode.UnspecifiedError,
            MqttClientSubscribeResultCode.GrantedQoS1], result.Items.Select(i => i.ResultCode));
        await using var publisher = await MqttInterop.ConnectAsync(_server, version, "p-" + t);
        await PublishAsync(publisher, $"{t}/ok", 0, 1);
        await client.WaitForAsync(1);
        Assert.True(client.Client.IsConnected);
    }
}
