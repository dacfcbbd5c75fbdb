using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Testing;
using Net = MQTTnet.Packets;
using OurVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>
/// Persistent sessions across a broker restart (same data directory): subscriptions and queued
/// QoS 1 messages, the 5.0 session expiry counting on, and open QoS 2 flows in both directions.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class SessionRestartTests : IDisposable
{
    private readonly TempDirectory _directory = new("tidings-mqtt-sessions");

    public void Dispose() => _directory.Dispose();

    private Task<TestBrokerServer> StartAsync() =>
        TestBrokerServer.StartDurableAsync(_directory.Path);

    private static Action<MqttClientOptionsBuilder> Persistent(MqttProtocolVersion version, uint expiry = 3600) => b =>
    {
        b.WithCleanSession(false);
        if (version == MqttProtocolVersion.V500) b.WithSessionExpiryInterval(expiry);
    };

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_persistent_session_keeps_its_subscription_and_queued_messages_across_a_restart(MqttProtocolVersion version)
    {
        string topic = $"sessions/{version}/reports";
        await using (var first = await StartAsync())
        {
            await using (var sensorService = await MqttInterop.ConnectAsync(first, version, "svc-" + version, Persistent(version)))
            {
                await sensorService.SubscribeAsync($"sessions/{version}/#", MqttQualityOfServiceLevel.AtLeastOnce);
            }
            await using var sensor = await MqttInterop.ConnectAsync(first, version, "sensor-" + version);
            for (int i = 0; i < 5; i++)
            {
                var ack = await sensor.Client.PublishAsync(MqttInterop.Message(topic, $"while away {i}", MqttQualityOfServiceLevel.AtLeastOnce));
                Assert.True(ack.IsSuccess);
            }
        }

        await using var second = await StartAsync();
        await using var back = await MqttInterop.ConnectAsync(second, version, "svc-" + version, Persistent(version));
        Assert.True(back.Result!.IsSessionPresent);
        var queued = await back.WaitForAsync(5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"while away {i}"), queued.Select(m => m.ConvertPayloadToString()));
        // The subscription itself came back: nothing was subscribed again.
        await using var sensorAgain = await MqttInterop.ConnectAsync(second, version, "sensor-" + version);
        await sensorAgain.Client.PublishAsync(MqttInterop.Message(topic, "after restart", MqttQualityOfServiceLevel.AtLeastOnce));
        var all = await back.WaitForAsync(6);
        Assert.Equal("after restart", all[5].ConvertPayloadToString());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task A_shared_subscription_members_group_and_its_waiting_messages_survive_a_restart(MqttProtocolVersion version)
    {
        string topic = $"shared-restart/{version}";
        await using (var first = await StartAsync())
        {
            await using (var worker = await MqttInterop.ConnectAsync(first, version, "worker-" + version, Persistent(version)))
                await worker.SubscribeAsync($"$share/workers/{topic}", MqttQualityOfServiceLevel.AtLeastOnce);
            await using var producer = await MqttInterop.ConnectAsync(first, version, "producer-" + version);
            for (int i = 0; i < 3; i++)
                await producer.Client.PublishAsync(MqttInterop.Message(topic, $"job {i}", MqttQualityOfServiceLevel.AtLeastOnce));
        }

        await using var second = await StartAsync();
        await using var back = await MqttInterop.ConnectAsync(second, version, "worker-" + version, Persistent(version));
        Assert.True(back.Result!.IsSessionPresent);
        var jobs = await back.WaitForAsync(3);
        Assert.Equal(["job 0", "job 1", "job 2"], jobs.Select(m => m.ConvertPayloadToString()));
    }

    [Fact]
    public async Task A_5_0_session_expiry_counts_on_across_a_restart_while_a_longer_one_survives()
    {
        await using (var first = await StartAsync())
        {
            await using (var brief = await MqttInterop.ConnectAsync(first, MqttProtocolVersion.V500, "brief", Persistent(MqttProtocolVersion.V500, expiry: 2)))
                await brief.SubscribeAsync("expiry/brief", MqttQualityOfServiceLevel.AtLeastOnce);
            await using (var lasting = await MqttInterop.ConnectAsync(first, MqttProtocolVersion.V500, "lasting", Persistent(MqttProtocolVersion.V500)))
                await lasting.SubscribeAsync("expiry/lasting", MqttQualityOfServiceLevel.AtLeastOnce);
        }

        await using var second = await StartAsync();
        var vhost = second.Broker.DefaultVirtualHost;
        // Nobody reconnects "brief": its queue goes 2 s after it disconnected, restart or not.
        await Eventually.TrueAsync(() => vhost.FindQueue(Connection.MqttConnection.QueueNameFor("brief")) is null,
            "the expired session's queue is deleted", TimeSpan.FromSeconds(15));
        await using var briefAgain = await MqttInterop.ConnectAsync(second, MqttProtocolVersion.V500, "brief", Persistent(MqttProtocolVersion.V500, expiry: 2));
        Assert.False(briefAgain.Result!.IsSessionPresent);
        await using var lastingAgain = await MqttInterop.ConnectAsync(second, MqttProtocolVersion.V500, "lasting", Persistent(MqttProtocolVersion.V500));
        Assert.True(lastingAgain.Result!.IsSessionPresent);
    }

    [Theory]
    [InlineData(OurVersion.V311)]
    [InlineData(OurVersion.V500)]
    public async Task An_inbound_qos2_flow_open_at_a_restart_is_finished_without_routing_the_resent_publish_again(OurVersion version)
    {
        string topic = $"q2-restart/{version}";
        string clientId = "q2-restart-pub-" + version;
        byte[] publish(bool dup) => MqttNet.Encode(new Net.MqttPublishPacket
        {
            Topic = topic,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce,
            PacketIdentifier = 11,
            Dup = dup,
            PayloadSegment = new ArraySegment<byte>("exactly once"u8.ToArray()),
        }, version);
        await using (var first = await StartAsync())
        {
            // An app service's durable AMQP queue sees what was routed, across the restart.
            first.Broker.DefaultVirtualHost.DeclareQueue("q2-watch-" + version, durable: true);
            first.Broker.DefaultVirtualHost.BindQueue("q2-watch-" + version, "amq.topic", topic.Replace('/', '.'));
            using var raw = await RawConnectAsync(first, version, clientId, expectPresent: false);
            await raw.SendAsync(publish(dup: false));
            Assert.Equal([0x50, 0x02, 0x00, 11], (await raw.ReadPacketAsync())![..4]);
            // The broker stops before the client's PUBREL.
        }

        await using var second = await StartAsync();
        var watch = second.Broker.DefaultVirtualHost.FindQueue("q2-watch-" + version)!;
        Assert.Equal(1, watch.MessageCount);
        using var again = await RawConnectAsync(second, version, clientId, expectPresent: true);
        // The client never saw PUBREC: it resends the PUBLISH with DUP, then PUBREL.
        await again.SendAsync(publish(dup: true));
        Assert.Equal([0x50, 0x02, 0x00, 11], (await again.ReadPacketAsync())![..4]);
        await again.SendAsync(MqttNet.Encode(new Net.MqttPubRelPacket { PacketIdentifier = 11 }, version));
        Assert.Equal([0x70, 0x02, 0x00, 11], (await again.ReadPacketAsync())![..4]);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Equal(1, watch.MessageCount);
    }

    [Theory]
    [InlineData(OurVersion.V311)]
    [InlineData(OurVersion.V500)]
    public async Task An_outbound_qos2_flow_released_before_a_restart_gets_its_pubrel_again_and_not_the_publish(OurVersion version)
    {
        string topic = $"q2-out-restart/{version}";
        string clientId = "q2-out-sub-" + version;
        ushort packetId;
        await using (var first = await StartAsync())
        {
            using var raw = await RawConnectAsync(first, version, clientId, expectPresent: false);
            await raw.SendAsync(MqttNet.Encode(new Net.MqttSubscribePacket
            {
                PacketIdentifier = 1,
                TopicFilters = [new Net.MqttTopicFilter { Topic = topic, QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce }],
            }, version));
            Assert.Equal(0x90, (await raw.ReadPacketAsync())![0]);
            await using (var publisher = await MqttInterop.ConnectAsync(first, MqttProtocolVersion.V500, "q2-out-pub-" + version))
                await publisher.Client.PublishAsync(MqttInterop.Message(topic, "once", MqttQualityOfServiceLevel.ExactlyOnce));
            var delivered = (await raw.ReadPacketAsync())!;
            Assert.Equal(0x34, delivered[0] & 0xF6);
            var decoded = MqttNet.Decode<Net.MqttPublishPacket>(delivered, version);
            packetId = decoded.PacketIdentifier;
            await raw.SendAsync(MqttNet.Encode(new Net.MqttPubRecPacket { PacketIdentifier = packetId }, version));
            var pubrel = (await raw.ReadPacketAsync())!;
            Assert.Equal(0x62, pubrel[0]);
            // The broker stops before the client's PUBCOMP.
        }

        await using var second = await StartAsync();
        using var again = await RawConnectAsync(second, version, clientId, expectPresent: true);
        var resent = (await again.ReadPacketAsync())!;
        Assert.Equal([0x62, 0x02, (byte)(packetId >> 8), (byte)packetId], resent[..4]);
        await again.SendAsync(MqttNet.Encode(new Net.MqttPubCompPacket { PacketIdentifier = packetId }, version));
        // The message itself is not sent again: its delivery was settled when it was released.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => again.ReadPacketAsync(MqttInterop.Quiet));
    }

    private static Task<RawMqttClient> RawConnectAsync(TestBrokerServer server, OurVersion version, string clientId, bool expectPresent)
    {
        var connect = new Net.MqttConnectPacket { ClientId = clientId, CleanSession = false };
        if (version == OurVersion.V500) connect.SessionExpiryInterval = 3600;
        return RawMqttClient.ConnectAcceptedAsync(server.MqttPort, MqttNet.Encode(connect, version), sessionPresent: expectPresent);
    }
}
