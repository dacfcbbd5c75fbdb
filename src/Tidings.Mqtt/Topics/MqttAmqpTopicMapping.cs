namespace Tidings.Mqtt.Topics;

/// <summary>
/// Maps MQTT topics onto AMQP topic-exchange routing and binding keys the way RabbitMQ's MQTT plugin
/// does (<c>rabbit_mqtt_util</c>, character for character): MQTT → AMQP turns <c>/</c> into <c>.</c>
/// and <c>+</c> into <c>*</c>; AMQP → MQTT turns <c>*</c> into <c>+</c> and <c>.</c> into <c>/</c>;
/// <c>#</c> stays <c>#</c>. A <c>.</c> inside an MQTT level is left alone, as RabbitMQ leaves it, so
/// it becomes a level separator on the AMQP side: MQTT <c>a.b/c</c> is routing key <c>a.b.c</c>
/// (three words) and comes back to MQTT subscribers as <c>a/b/c</c>. RabbitMQ documents this as a
/// limitation (avoid dots in MQTT topics) rather than escaping; we keep its behaviour so AMQP
/// applications written for RabbitMQ's mapping bind the same keys here. The one exception is
/// RabbitMQ's opt-in Sparkplug mode, offered here as <c>sparkplug</c>: a leading
/// <c>spAv1.0/</c> or <c>spBv1.0/</c> namespace maps its dot to <c>___</c> (<c>spBv1___0.group…</c>)
/// and back.
/// </summary>
public static class MqttAmqpTopicMapping
{
    private const string SparkplugDot = "___";

    /// <summary>MQTT topic name or filter to AMQP routing or binding key.</summary>
    public static string ToAmqp(string mqtt, bool sparkplug = false)
    {
        int sparkplugDot = sparkplug ? SparkplugMqttDot(mqtt) : -1;
        if (sparkplugDot < 0 && mqtt.AsSpan().IndexOfAny('/', '+') < 0)
        {
            return mqtt;
        }

        var prefix = sparkplugDot < 0 ? string.Empty : string.Concat(mqtt.AsSpan(0, sparkplugDot), SparkplugDot);
        var body = sparkplugDot < 0 ? mqtt : mqtt[(sparkplugDot + 1)..];
        return prefix + body.Replace('/', '.').Replace('+', '*');
    }

    /// <summary>AMQP routing or binding key to MQTT topic name or filter.</summary>
    public static string ToMqtt(string amqp, bool sparkplug = false)
    {
        string mqtt = amqp.AsSpan().IndexOfAny('.', '*') < 0 ? amqp : amqp.Replace('*', '+').Replace('.', '/');
        if (sparkplug && SparkplugAmqpPrefix(mqtt) is > 0 and int at)
        {
            return string.Concat(mqtt.AsSpan(0, at), ".", mqtt.AsSpan(at + SparkplugDot.Length));
        }

        return mqtt;
    }

    // Index of the dot in a leading "sp[AB]v<digits>.<digits>/", or -1.
    private static int SparkplugMqttDot(string topic)
    {
        if (!IsSparkplugStart(topic, out int i) || i >= topic.Length || topic[i] != '.')
        {
            return -1;
        }

        int dot = i++;
        int digits = i;
        while (i < topic.Length && char.IsAsciiDigit(topic[i])) i++;
        return i > digits && i < topic.Length && topic[i] == '/' ? dot : -1;
    }

    // Index of "___" in a leading "sp[AB]v<digits>___<digits>/" (already converted back to slashes), or -1.
    private static int SparkplugAmqpPrefix(string topic)
    {
        if (!IsSparkplugStart(topic, out int i) || !topic.AsSpan(i).StartsWith(SparkplugDot, StringComparison.Ordinal))
        {
            return -1;
        }

        int at = i;
        i += SparkplugDot.Length;
        int digits = i;
        while (i < topic.Length && char.IsAsciiDigit(topic[i])) i++;
        return i > digits && i < topic.Length && topic[i] == '/' ? at : -1;
    }

    private static bool IsSparkplugStart(string topic, out int afterVersion)
    {
        afterVersion = 0;
        if (topic.Length < 4 || topic[0] != 's' || topic[1] != 'p' || topic[2] is not ('A' or 'B') || topic[3] != 'v')
        {
            return false;
        }

        int i = 4;
        while (i < topic.Length && char.IsAsciiDigit(topic[i])) i++;
        afterVersion = i;
        return i > 4;
    }
}
