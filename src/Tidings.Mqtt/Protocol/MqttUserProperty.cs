namespace Tidings.Mqtt.Protocol;

/// <summary>One User Property: a name/value string pair. Names may repeat; order is significant.</summary>
/// <param name="Name">The name.</param>
/// <param name="Value">The value.</param>
public readonly record struct MqttUserProperty(string Name, string Value);
