namespace Tidings.Mqtt.Protocol;

/// <summary>Quality of service of a PUBLISH or a subscription.</summary>
public enum MqttQos : byte
{
    /// <summary>QoS 0: fire and forget.</summary>
    AtMostOnce = 0,
    /// <summary>QoS 1: PUBLISH, PUBACK.</summary>
    AtLeastOnce = 1,
    /// <summary>QoS 2: PUBLISH, PUBREC, PUBREL, PUBCOMP.</summary>
    ExactlyOnce = 2,
}
