using Tidings.Mqtt.Topics;

namespace Tidings.Mqtt.Tests;

public sealed class TopicTests
{
    [Theory]
    [InlineData("a", true)]
    [InlineData("a/b/c", true)]
    [InlineData("/a", true)]
    [InlineData("a//b", true)]
    [InlineData("/", true)]
    [InlineData("$SYS/x", true)]
    [InlineData("", false)]
    [InlineData("a/+", false)]
    [InlineData("a/#", false)]
    [InlineData("a\0b", false)]
    public void Topic_name_rules(string topic, bool valid) => Assert.Equal(valid, MqttTopicName.IsValid(topic));

    [Theory]
    [InlineData("#", true)]
    [InlineData("+", true)]
    [InlineData("a/#", true)]
    [InlineData("a/+/b", true)]
    [InlineData("+/+", true)]
    [InlineData("/+", true)]
    [InlineData("+/", true)]
    [InlineData("a//b", true)]
    [InlineData("$share/g/a/#", true)]
    [InlineData("$share/g/#", true)]
    [InlineData("$shared/x", true)] // not the prefix, an ordinary filter
    [InlineData("", false)]
    [InlineData("a#", false)]
    [InlineData("a/#/b", false)]
    [InlineData("a+", false)]
    [InlineData("a/b+/c", false)]
    [InlineData("##", false)]
    [InlineData("#/", false)]
    [InlineData("$share/g", false)]
    [InlineData("$share/g/", false)]
    [InlineData("$share//a", false)]
    [InlineData("$share/g+/a", false)]
    [InlineData("$share/#/a", false)]
    [InlineData("$share/g/a#", false)]
    public void Topic_filter_rules(string filter, bool valid) => Assert.Equal(valid, MqttTopicFilter.IsValid(filter));

    [Fact]
    public void Shared_subscription_splits_into_group_and_filter()
    {
        Assert.True(MqttSharedSubscription.TryParse("$share/workers/jobs/+/high", out string group, out string filter));
        Assert.Equal("workers", group);
        Assert.Equal("jobs/+/high", filter);
    }

    [Theory]
    [InlineData("a", "a", true)]
    [InlineData("a", "b", false)]
    [InlineData("a/b", "a/b", true)]
    [InlineData("a/+", "a/b", true)]
    [InlineData("a/+", "a/b/c", false)]
    [InlineData("a/+", "a", false)]
    [InlineData("a/+", "a/", true)] // an empty level is a level
    [InlineData("+/+", "/a", true)]
    [InlineData("+", "/a", false)]
    [InlineData("a/#", "a", true)] // # matches the parent level
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("a/#", "ab", false)]
    [InlineData("a/b/#", "a", false)]
    [InlineData("#", "a/b", true)]
    [InlineData("#", "/", true)]
    [InlineData("+/b/#", "x/b", true)]
    [InlineData("a/+/#", "a", false)]
    [InlineData("a/+/#", "a/x", true)]
    [InlineData("#", "$SYS/broker", false)] // leading wildcard never matches $ topics
    [InlineData("+/broker", "$SYS/broker", false)]
    [InlineData("$SYS/#", "$SYS/broker", true)]
    [InlineData("$SYS/+", "$SYS/broker", true)]
    [InlineData("a/b", "A/b", false)] // case-sensitive
    [InlineData("a/b/c", "a/b", false)]
    [InlineData("a/b", "a/b/c", false)]
    public void Filter_matching_follows_mqtt_semantics(string filter, string topic, bool matches) =>
        Assert.Equal(matches, MqttTopicFilter.Matches(filter, topic));

    [Fact]
    public void Matching_allocates_nothing()
    {
        MqttTopicFilter.Matches("plant/+/temp/#", "plant/line-1/temp/a/b");
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Assert.True(MqttTopicFilter.Matches("plant/+/temp/#", "plant/line-1/temp/a/b"));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData("cities/london", "cities.london")]
    [InlineData("a/+/c", "a.*.c")]
    [InlineData("a/#", "a.#")]
    [InlineData("#", "#")]
    [InlineData("/a//b/", ".a..b.")]
    [InlineData("plain", "plain")]
    [InlineData("a.b/c", "a.b.c")] // a dot in a level is left alone, as RabbitMQ does
    public void Mqtt_topics_map_to_amqp_keys_as_rabbitmq_does(string mqtt, string amqp) =>
        Assert.Equal(amqp, MqttAmqpTopicMapping.ToAmqp(mqtt));

    [Theory]
    [InlineData("cities.london", "cities/london")]
    [InlineData("a.*.c", "a/+/c")]
    [InlineData("a.#", "a/#")]
    [InlineData("a/b", "a/b")]
    public void Amqp_keys_map_to_mqtt_topics_as_rabbitmq_does(string amqp, string mqtt) =>
        Assert.Equal(mqtt, MqttAmqpTopicMapping.ToMqtt(amqp));

    [Fact]
    public void Sparkplug_mode_keeps_the_namespace_dot_across_the_mapping()
    {
        Assert.Equal("spBv1___0.group.NBIRTH.node", MqttAmqpTopicMapping.ToAmqp("spBv1.0/group/NBIRTH/node", sparkplug: true));
        Assert.Equal("spBv1.0/group/NBIRTH/node", MqttAmqpTopicMapping.ToMqtt("spBv1___0.group.NBIRTH.node", sparkplug: true));
        Assert.Equal("spBv1.0.group", MqttAmqpTopicMapping.ToAmqp("spBv1.0/group"));
        Assert.Equal("spXv1.0.g", MqttAmqpTopicMapping.ToAmqp("spXv1.0/g", sparkplug: true));
    }
}
