using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tidings.Testing;
using Net = MQTTnet.Packets;
using OurVersion = Tidings.Mqtt.Protocol.MqttProtocolVersion;

namespace Tidings.Mqtt.Tests.Interop;

/// <summary>What a well-behaved client never sends: broken or oversized packets, silence, a killed socket, resent QoS 2 publishes.</summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class RawSocketTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await TestBrokerServer.StartAmqpAsync(configureMqtt: o => o.MaxPacketSize = 64 * 1024);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static byte[] Connect(OurVersion version, string clientId, ushort keepAlive = 0, Action<Net.MqttConnectPacket>? configure = null,
        bool cleanSession = true)
    {
        var connect = new Net.MqttConnectPacket { ClientId = clientId, CleanSession = cleanSession, KeepAlivePeriod = keepAlive };
        configure?.Invoke(connect);
        return MqttNet.Encode(connect, version);
    }

    /// <summary>A raw client past CONNACK (asserted accepted).</summary>
    private Task<RawMqttClient> ConnectedAsync(OurVersion version, string clientId, ushort keepAlive = 0, Action<Net.MqttConnectPacket>? configure = null) =>
        RawMqttClient.ConnectAcceptedAsync(_server.MqttPort, Connect(version, clientId, keepAlive, configure));

    [Theory]
    [InlineData(OurVersion.V311)]
    [InlineData(OurVersion.V500)]
    public async Task Malformed_packet_gets_disconnect_0x81_in_5_and_a_close_in_3_1_1_and_others_keep_working(OurVersion version)
    {
        await using var bystander = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "bystander-" + version);
        await bystander.SubscribeAsync($"still/{version}", MqttQualityOfServiceLevel.AtLeastOnce);
        using var raw = await ConnectedAsync(version, "broken-" + version);
        // PUBLISH with QoS bits 3: malformed.
        await raw.SendAsync([0x36, 0x05, 0x00, 0x01, (byte)'t', 0x00, 0x01]);
        var answer = await raw.ReadPacketAsync();
        if (version == OurVersion.V500)
        {
            Assert.NotNull(answer);
            Assert.Equal(0xE0, answer[0]);
            Assert.Equal(0x81, answer[2]);
            answer = await raw.ReadPacketAsync();
        }
        Assert.Null(answer);

        await bystander.Client.PublishAsync(MqttInterop.Message($"still/{version}", "fine", MqttQualityOfServiceLevel.AtLeastOnce));
        Assert.Single(await bystander.WaitForAsync(1));
    }

    [Fact]
    public async Task Nothing_follows_the_disconnect_while_deliveries_are_still_coming()
    {
        // Found by the mqtt fuzz target: deliveries from the queue thread (and acks) kept being
        // written after the DISCONNECT 0x81, until the session closed; MQTT allows nothing after it.
        // Racy by nature, so a few rounds of a flood the client receives back.
        for (int round = 0; round < 5; round++)
        {
            using var raw = await ConnectedAsync(OurVersion.V500, $"flooded-{round}");
            await raw.SendAsync(MqttNet.Encode(new Net.MqttSubscribePacket
            {
                PacketIdentifier = 1,
                TopicFilters = [new Net.MqttTopicFilter { Topic = $"flood/{round}/#", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce }],
            }, OurVersion.V500));
            Assert.Equal(0x90, (await raw.ReadPacketAsync())![0]);
            var publish = MqttNet.Encode(new Net.MqttPublishPacket { Topic = $"flood/{round}/x", PayloadSegment = new ArraySegment<byte>(new byte[64]) },
                OurVersion.V500);
            // 300 publishes the client gets back, then PUBLISH with QoS bits 3: malformed.
            byte[] burst = [.. Enumerable.Repeat(publish, 300).SelectMany(p => p), 0x36, 0x05, 0x00, 0x01, (byte)'t', 0x00, 0x01];
            await raw.SendAsync(burst);
            var packets = new List<byte[]>();
            try
            {
                while (await raw.ReadPacketAsync() is { } packet) packets.Add(packet);
            }
            catch (IOException)
            {
                // A reset after the close: what arrived before it is what counts.
            }
            int disconnect = packets.FindIndex(p => p[0] == 0xE0);
            Assert.True(disconnect >= 0, $"round {round}: no DISCONNECT in {packets.Count} packets");
            Assert.Equal(0x81, packets[disconnect][2]);
            Assert.True(disconnect == packets.Count - 1, $"round {round}: {packets.Count - 1 - disconnect} packets after DISCONNECT");
        }
    }

    [Fact]
    public async Task Connect_naming_an_authentication_method_gets_connack_0x8C_and_a_close()
    {
        // Found by the mqtt fuzz target's corpus: the method was ignored and CONNACK said success.
        using var raw = await RawMqttClient.ConnectAsync(_server.MqttPort);
        await raw.SendAsync(Connect(OurVersion.V500, "auth-method", configure: c =>
        {
            c.AuthenticationMethod = "SCRAM-SHA-256";
            c.AuthenticationData = [1, 2, 3];
        }));
        var connack = await raw.ReadPacketAsync();
        Assert.NotNull(connack);
        Assert.Equal(0x20, connack[0]);
        Assert.Equal(0x8C, connack[3]);
        Assert.True(await raw.ClosedWithinAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Packet_above_the_maximum_packet_size_gets_disconnect_0x95()
    {
        using var raw = await ConnectedAsync(OurVersion.V500, "too-big");
        var publish = MqttNet.Encode(new Net.MqttPublishPacket { Topic = "big", PayloadSegment = new ArraySegment<byte>(new byte[70 * 1024]) }, OurVersion.V500);
        await raw.SendAsync(publish);
        var answer = await raw.ReadPacketAsync();
        Assert.NotNull(answer);
        Assert.Equal([0xE0, 0x01, 0x95], answer[..3]);
        Assert.True(await raw.ClosedWithinAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task First_packet_other_than_connect_closes_the_connection()
    {
        using var raw = await RawMqttClient.ConnectAsync(_server.MqttPort);
        await raw.SendAsync([0xC0, 0x00]);
        Assert.Null(await raw.ReadPacketAsync());
    }

    [Fact]
    public async Task Empty_client_id_without_clean_session_gets_return_code_2_in_3_1_1()
    {
        using var raw = await RawMqttClient.ConnectAsync(_server.MqttPort);
        // By hand: MQTTnet refuses to encode it. "MQTT" level 4, flags 0 (clean session off), keep alive 0, empty id.
        await raw.SendAsync([0x10, 12, 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x00, 0x00, 0x00, 0x00, 0x00]);
        Assert.Equal([0x20, 0x02, 0x00, 0x02], await raw.ReadPacketAsync());
        Assert.Null(await raw.ReadPacketAsync());
    }

    [Theory]
    [InlineData(OurVersion.V311, 0x80)]
    [InlineData(OurVersion.V500, 0x8F)]
    public async Task Invalid_filter_is_refused_in_suback_and_the_valid_one_granted(OurVersion version, byte refused)
    {
        using var raw = await ConnectedAsync(version, "filters-" + version);
        await raw.SendAsync(MqttNet.Encode(new Net.MqttSubscribePacket
        {
            PacketIdentifier = 5,
            TopicFilters =
            [
                new Net.MqttTopicFilter { Topic = "ok/+", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce },
                new Net.MqttTopicFilter { Topic = "bad/#/x", QualityOfServiceLevel = MqttQualityOfServiceLevel.AtLeastOnce },
            ],
        }, version));
        var suback = await raw.ReadPacketAsync();
        Assert.NotNull(suback);
        Assert.Equal(0x90, suback[0]);
        Assert.Equal([0x01, refused], suback[^2..]);
    }

    [Theory]
    [InlineData(OurVersion.V311)]
    [InlineData(OurVersion.V500)]
    public async Task Will_is_published_when_the_socket_dies(OurVersion version)
    {
        await using var watcher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "watcher-" + version);
        await watcher.SubscribeAsync($"wills/{version}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var raw = await ConnectedAsync(version, "dying-" + version, configure: c =>
        {
            c.WillFlag = true;
            c.WillTopic = $"wills/{version}/dying";
            c.WillMessage = "gone"u8.ToArray();
            c.WillQoS = MqttQualityOfServiceLevel.AtLeastOnce;
        });
        raw.Kill();
        var will = Assert.Single(await watcher.WaitForAsync(1));
        Assert.Equal($"wills/{version}/dying", will.Topic);
        Assert.Equal("gone", will.ConvertPayloadToString());
    }

    [Theory]
    [InlineData(OurVersion.V311, MqttDisconnectReasonCode.NormalDisconnection, false)]
    [InlineData(OurVersion.V500, MqttDisconnectReasonCode.NormalDisconnection, false)]
    [InlineData(OurVersion.V500, MqttDisconnectReasonCode.DisconnectWithWillMessage, true)]
    public async Task Disconnect_discards_the_will_unless_it_asks_for_it(OurVersion version, MqttDisconnectReasonCode reason, bool sent)
    {
        string topic = $"wills2/{version}/{reason}";
        await using var watcher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, $"watcher2-{version}-{reason}");
        await watcher.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        using var raw = await ConnectedAsync(version, $"leaving-{version}-{reason}", configure: c =>
        {
            c.WillFlag = true;
            c.WillTopic = topic;
            c.WillMessage = "gone"u8.ToArray();
        });
        await raw.SendAsync(MqttNet.Encode(new Net.MqttDisconnectPacket { ReasonCode = reason }, version));
        Assert.True(await raw.ClosedWithinAsync(TimeSpan.FromSeconds(5)));
        await Task.Delay(MqttInterop.Quiet);
        Assert.Equal(sent ? 1 : 0, watcher.Messages.Count);
    }

    [Theory]
    [InlineData(OurVersion.V311)]
    [InlineData(OurVersion.V500)]
    public async Task Silence_for_one_and_a_half_keep_alives_closes_the_connection_and_sends_the_will(OurVersion version)
    {
        await using var watcher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "ka-watcher-" + version);
        await watcher.SubscribeAsync($"ka/{version}", MqttQualityOfServiceLevel.AtLeastOnce);
        using var raw = await ConnectedAsync(version, "silent-" + version, keepAlive: 1, configure: c =>
        {
            c.WillFlag = true;
            c.WillTopic = $"ka/{version}";
            c.WillMessage = "timed out"u8.ToArray();
        });
        var started = DateTime.UtcNow;
        var answer = await raw.ReadPacketAsync(TimeSpan.FromSeconds(5));
        if (version == OurVersion.V500)
        {
            Assert.NotNull(answer);
            Assert.Equal([0xE0, 0x01, 0x8D], answer[..3]);
            answer = await raw.ReadPacketAsync(TimeSpan.FromSeconds(5));
        }
        Assert.Null(answer);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
        Assert.Equal("timed out", Assert.Single(await watcher.WaitForAsync(1)).ConvertPayloadToString());
    }

    [Fact]
    public async Task Pingreq_keeps_the_connection_alive_and_gets_pingresp()
    {
        // Keep alive 4 s: silence would close it after 6 s; seven pings a second apart span 7 s,
        // so the pings are what keeps it open, with 5 s of slack for a loaded machine (2 s keep
        // alive flaked when three builds ran beside the suite).
        using var raw = await ConnectedAsync(OurVersion.V311, "pinger", keepAlive: 4);
        for (int i = 0; i < 7; i++)
        {
            await Task.Delay(1000);
            await raw.SendAsync([0xC0, 0x00]);
            Assert.Equal([0xD0, 0x00], await raw.ReadPacketAsync());
        }
    }

    [Theory]
    [InlineData(OurVersion.V311)]
    [InlineData(OurVersion.V500)]
    public async Task Resent_qos2_publish_before_pubrel_is_routed_once(OurVersion version)
    {
        await using var watcher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "q2-watcher-" + version);
        await watcher.SubscribeAsync($"q2/{version}", MqttQualityOfServiceLevel.ExactlyOnce);
        using var raw = await ConnectedAsync(version, "q2-pub-" + version);
        for (int i = 0; i < 2; i++)
        {
            await raw.SendAsync(MqttNet.Encode(new Net.MqttPublishPacket
            {
                Topic = $"q2/{version}",
                QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce,
                PacketIdentifier = 7,
                Dup = i > 0,
                PayloadSegment = new ArraySegment<byte>("once"u8.ToArray()),
            }, version));
            var pubrec = await raw.ReadPacketAsync();
            Assert.NotNull(pubrec);
            Assert.Equal([0x50, 0x02, 0x00, 0x07], pubrec[..4]);
        }
        await raw.SendAsync(MqttNet.Encode(new Net.MqttPubRelPacket { PacketIdentifier = 7 }, version));
        var pubcomp = await raw.ReadPacketAsync();
        Assert.NotNull(pubcomp);
        Assert.Equal([0x70, 0x02, 0x00, 0x07], pubcomp[..4]);
        await watcher.WaitForAsync(1);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Single(watcher.Messages);
    }

    [Theory]
    [InlineData(OurVersion.V311)]
    [InlineData(OurVersion.V500)]
    public async Task A_qos2_flow_left_open_by_a_lost_connection_is_finished_once_by_the_resumed_session(OurVersion version)
    {
        string topic = $"q2-resume/{version}";
        await using var watcher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "q2r-watcher-" + version);
        await watcher.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        Action<Net.MqttConnectPacket> persistent = c =>
        {
            c.CleanSession = false;
            if (version == OurVersion.V500) c.SessionExpiryInterval = 60;
        };
        byte[] publish(bool dup) => MqttNet.Encode(new Net.MqttPublishPacket
        {
            Topic = topic,
            QualityOfServiceLevel = MqttQualityOfServiceLevel.ExactlyOnce,
            PacketIdentifier = 9,
            Dup = dup,
            PayloadSegment = new ArraySegment<byte>("exactly once"u8.ToArray()),
        }, version);

        var first = await ConnectedAsync(version, "q2r-pub-" + version, configure: persistent);
        await first.SendAsync(publish(dup: false));
        Assert.Equal([0x50, 0x02, 0x00, 0x09], (await first.ReadPacketAsync())![..4]);
        // The connection is lost before the client could send PUBREL.
        first.Kill();
        await watcher.WaitForAsync(1);

        using var second = await RawMqttClient.ConnectAsync(_server.MqttPort);
        await second.SendAsync(Connect(version, "q2r-pub-" + version, configure: persistent));
        var connack = await second.ReadPacketAsync();
        Assert.NotNull(connack);
        Assert.Equal(1, connack[2] & 0x01);
        // The client resends the PUBLISH with DUP (it never saw the PUBREC), then PUBREL.
        await second.SendAsync(publish(dup: true));
        Assert.Equal([0x50, 0x02, 0x00, 0x09], (await second.ReadPacketAsync())![..4]);
        await second.SendAsync(MqttNet.Encode(new Net.MqttPubRelPacket { PacketIdentifier = 9 }, version));
        Assert.Equal([0x70, 0x02, 0x00, 0x09], (await second.ReadPacketAsync())![..4]);

        await Task.Delay(MqttInterop.Quiet);
        Assert.Single(watcher.Messages);
    }
}
