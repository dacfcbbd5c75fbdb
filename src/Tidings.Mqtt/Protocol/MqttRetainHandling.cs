namespace Tidings.Mqtt.Protocol;

/// <summary>5.0 subscription option: when to send retained messages on subscribe.</summary>
public enum MqttRetainHandling : byte
{
    /// <summary>Send retained messages at subscribe time.</summary>
    SendAtSubscribe = 0,
    /// <summary>Send them only if the subscription did not exist yet.</summary>
    SendIfNewSubscription = 1,
    /// <summary>Never send them at subscribe time.</summary>
    DoNotSend = 2,
}
