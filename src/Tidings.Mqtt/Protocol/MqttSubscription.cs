namespace Tidings.Mqtt.Protocol;

/// <summary>
/// One topic filter of a SUBSCRIBE with its options. The filter is valid UTF-8; whether it is a valid
/// filter is for <see cref="Topics.MqttTopicFilter"/> (an invalid one is refused per filter in SUBACK,
/// not by closing the connection).
/// </summary>
/// <param name="Filter">The topic filter as sent, <c>$share/</c> prefix included.</param>
/// <param name="Options">QoS and the 5.0 options.</param>
public readonly record struct MqttSubscription(string Filter, MqttSubscriptionOptions Options);
