namespace Tidings.Mqtt.Protocol;

/// <summary>The protocol level a client names in CONNECT.</summary>
public enum MqttProtocolVersion : byte
{
    /// <summary>MQTT 3.1, protocol name "MQIsdp". Decoded and answered with 3.1.1 semantics.</summary>
    V310 = 3,

    /// <summary>MQTT 3.1.1, protocol name "MQTT".</summary>
    V311 = 4,

    /// <summary>MQTT 5.0, protocol name "MQTT".</summary>
    V500 = 5,
}
