using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using RabbitMQ.Client;
using Tidings.Testing;

namespace Tidings.Mqtt.Tests.Interop;

[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class PublishSubscribeInteropTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;

    public async Task InitializeAsync() => _server = await TestBrokerServer.StartAmqpAsync(withMqtt: true);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<MqttProtocolVersion, MqttQualityOfServiceLevel> VersionsAndQos()
    {
        var data = new TheoryData<MqttProtocolVersion, MqttQualityOfServiceLevel>();
        foreach (var version in new[] { MqttProtocolVersion.V311, MqttProtocolVersion.V500 })
        {
            foreach (var qos in new[] { MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.ExactlyOnce })
                data.Add(version, qos);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(VersionsAndQos))]
    public async Task Wildcard_subscriptions_receive_matching_publishes_at_the_granted_qos(MqttProtocolVersion version, MqttQualityOfServiceLevel qos)
    {
        string id = $"{version}-{qos}";
        await using var subscriber = await MqttInterop.ConnectAsync(_server, version, "sub-" + id);
        await subscriber.SubscribeAsync($"t{id}/+/x", qos);
        await subscriber.SubscribeAsync($"f{id}/#", qos);
        await using var publisher = await MqttInterop.ConnectAsync(_server, version, "pub-" + id);
        foreach (var topic in new[] { $"t{id}/a/x", $"t{id}/a/b/x", $"f{id}", $"f{id}/deep/er", $"other{id}" })
            await publisher.Client.PublishAsync(MqttInterop.Message(topic, "to " + topic, qos));

        var received = await subscriber.WaitForAsync(3);
        await Task.Delay(MqttInterop.Quiet);
        Assert.Equal([$"t{id}/a/x", $"f{id}", $"f{id}/deep/er"], subscriber.Messages.Select(m => m.Topic).Order().Reverse().ToArray().OrderBy(t => Array.IndexOf([$"t{id}/a/x", $"f{id}", $"f{id}/deep/er"], t)));
        Assert.All(received, m => Assert.Equal(qos, m.QualityOfServiceLevel));
        Assert.All(received, m => Assert.Equal("to " + m.Topic, m.ConvertPayloadToString()));
    }

    [Fact]
    public async Task Delivered_qos_is_the_lower_of_published_and_granted()
    {
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "downgrade-sub");
        await subscriber.SubscribeAsync("down/high", MqttQualityOfServiceLevel.ExactlyOnce);
        await subscriber.SubscribeAsync("down/low", MqttQualityOfServiceLevel.AtMostOnce);
        await using var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "downgrade-pub");
        await publisher.Client.PublishAsync(MqttInterop.Message("down/high", "1", MqttQualityOfServiceLevel.AtLeastOnce));
        await publisher.Client.PublishAsync(MqttInterop.Message("down/low", "2", MqttQualityOfServiceLevel.ExactlyOnce));
        var received = await subscriber.WaitForAsync(2);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, received.Single(m => m.Topic == "down/high").QualityOfServiceLevel);
        Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, received.Single(m => m.Topic == "down/low").QualityOfServiceLevel);
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Unsubscribe_stops_delivery(MqttProtocolVersion version)
    {
        await using var subscriber = await MqttInterop.ConnectAsync(_server, version, "unsub-" + version);
        await subscriber.SubscribeAsync($"u{version}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttInterop.ConnectAsync(_server, version, "unsub-pub-" + version);
        await publisher.Client.PublishAsync(MqttInterop.Message($"u{version}/1", "before", MqttQualityOfServiceLevel.AtLeastOnce));
        await subscriber.WaitForAsync(1);
        var result = await subscriber.Client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter($"u{version}/#").Build());
        if (version == MqttProtocolVersion.V500) Assert.Equal(MqttClientUnsubscribeResultCode.Success, Assert.Single(result.Items).ResultCode);
        await publisher.Client.PublishAsync(MqttInterop.Message($"u{version}/2", "after", MqttQualityOfServiceLevel.AtLeastOnce));
        await Task.Delay(MqttInterop.Quiet);
        Assert.Single(subscriber.Messages);
    }

    [Fact]
    public async Task User_properties_correlation_data_response_topic_and_content_type_survive_mqtt_to_mqtt()
    {
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "props-sub");
        await subscriber.SubscribeAsync("props/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "props-pub");
        byte[] correlation = [0xFF, 0x00, 0x01];
        await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("props/a")
            .WithPayload("{}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty("b", "2")
            .WithUserProperty("a", "1")
            .WithUserProperty("b", "3")
            .WithCorrelationData(correlation)
            .WithResponseTopic("replies/for/me")
            .WithContentType("application/json")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .WithMessageExpiryInterval(600)
            .Build());
        var message = Assert.Single(await subscriber.WaitForAsync(1));
        Assert.Equal([("b", "2"), ("a", "1"), ("b", "3")], message.UserProperties.Select(p => (p.Name, p.Value)));
        Assert.Equal(correlation, message.CorrelationData);
        Assert.Equal("replies/for/me", message.ResponseTopic);
        Assert.Equal("application/json", message.ContentType);
        Assert.Equal(MqttPayloadFormatIndicator.CharacterData, message.PayloadFormatIndicator);
        Assert.InRange(message.MessageExpiryInterval, 595u, 600u);
    }

    [Fact]
    public async Task Mqtt_publish_reaches_an_amqp_consumer_bound_with_a_topic_pattern()
    {
        var factory = new ConnectionFactory { Port = _server.AmqpPort };
        await using var amqp = await factory.CreateConnectionAsync();
        await using var channel = await amqp.CreateChannelAsync();
        await channel.QueueDeclareAsync("hive-readings", durable: false, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync("hive-readings", "amq.topic", "hives.*.sensors.#");
        await using var publisher = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "hive-pub");
        await publisher.Client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("hives/h7/sensors/temp")
            .WithPayload("21.5")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty("unit", "C")
            .WithContentType("text/plain")
            .WithCorrelationData("req-1"u8.ToArray())
            .WithResponseTopic("hives/h7/replies")
            .Build());
        await publisher.Client.PublishAsync(MqttInterop.Message("hives/h7/other", "no"));

        BasicGetResult? got = null;
        await Eventually.TrueAsync(async () => (got = await channel.BasicGetAsync("hive-readings", autoAck: true)) is not null, "the AMQP consumer gets the reading");
        Assert.Equal("hives.h7.sensors.temp", got!.RoutingKey);
        Assert.Equal("amq.topic", got.Exchange);
        Assert.Equal("21.5", Encoding.UTF8.GetString(got.Body.Span));
        var properties = got.BasicProperties;
        Assert.Equal(DeliveryModes.Persistent, properties.DeliveryMode);
        Assert.Equal("text/plain", properties.ContentType);
        Assert.Equal("req-1", properties.CorrelationId);
        Assert.Equal("hives.h7.replies", properties.ReplyTo);
        Assert.Equal("C", Encoding.UTF8.GetString((byte[])properties.Headers!["unit"]!));
        Assert.Null(await channel.BasicGetAsync("hive-readings", autoAck: true));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Amqp_publish_to_amq_topic_reaches_an_mqtt_subscriber(MqttProtocolVersion version)
    {
        await using var subscriber = await MqttInterop.ConnectAsync(_server, version, "from-amqp-" + version);
        await subscriber.SubscribeAsync($"plant{version}/+/status", MqttQualityOfServiceLevel.AtLeastOnce);
        var factory = new ConnectionFactory { Port = _server.AmqpPort };
        await using var amqp = await factory.CreateConnectionAsync();
        await using var channel = await amqp.CreateChannelAsync();
        var properties = new BasicProperties
        {
            DeliveryMode = DeliveryModes.Persistent,
            ContentType = "text/plain",
            CorrelationId = "c-9",
            ReplyTo = "plant.replies",
            Headers = new Dictionary<string, object?> { ["site"] = "north", ["count"] = 3 },
        };
        await channel.BasicPublishAsync("amq.topic", $"plant{version}.p1.status", mandatory: false, properties, "up"u8.ToArray());
        await channel.BasicPublishAsync("amq.topic", $"plant{version}.p1.noise", mandatory: false, new BasicProperties(), "x"u8.ToArray());

        var message = Assert.Single(await subscriber.WaitForAsync(1));
        Assert.Equal($"plant{version}/p1/status", message.Topic);
        Assert.Equal("up", message.ConvertPayloadToString());
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, message.QualityOfServiceLevel);
        if (version == MqttProtocolVersion.V500)
        {
            Assert.Equal("text/plain", message.ContentType);
            Assert.Equal("c-9"u8.ToArray(), message.CorrelationData);
            Assert.Equal("plant/replies", message.ResponseTopic);
            Assert.Equal([("site", "north"), ("count", "3")], message.UserProperties.Select(p => (p.Name, p.Value)));
        }
        await Task.Delay(MqttInterop.Quiet);
        Assert.Single(subscriber.Messages);
    }

    [Fact]
    public async Task Transient_amqp_message_is_delivered_at_qos_0()
    {
        await using var subscriber = await MqttInterop.ConnectAsync(_server, MqttProtocolVersion.V500, "transient-sub");
        await subscriber.SubscribeAsync("transient/#", MqttQualityOfServiceLevel.ExactlyOnce);
        var factory = new ConnectionFactory { Port = _server.AmqpPort };
        await using var amqp = await factory.CreateConnectionAsync();
        await using var channel = await amqp.CreateChannelAsync();
        await channel.BasicPublishAsync("amq.topic", "transient.a", mandatory: false, new BasicProperties(), "t"u8.ToArray());
        Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, Assert.Single(await subscriber.WaitForAsync(1)).QualityOfServiceLevel);
    }
}
