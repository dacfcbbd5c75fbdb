namespace Tidings.Mqtt.Protocol;

/// <summary>The CONNACK return codes of MQTT 3.1 and 3.1.1.</summary>
public enum MqttConnectReturnCode : byte
{
    /// <summary>Connection accepted.</summary>
    Accepted = 0,
    /// <summary>The protocol level is not supported.</summary>
    UnacceptableProtocolVersion = 1,
    /// <summary>The client identifier is not allowed.</summary>
    IdentifierRejected = 2,
    /// <summary>The MQTT service is unavailable.</summary>
    ServerUnavailable = 3,
    /// <summary>Bad user name or password.</summary>
    BadUserNameOrPassword = 4,
    /// <summary>Not authorized.</summary>
    NotAuthorized = 5,
}
