namespace Tidings.Mqtt.Protocol;

/// <summary>The control packet type: the high nibble of the first byte.</summary>
public enum MqttPacketType : byte
{
    /// <summary>Forbidden; a packet of this type is malformed.</summary>
    Reserved = 0,
    /// <summary>Client asks to connect.</summary>
    Connect = 1,
    /// <summary>Server answers CONNECT.</summary>
    ConnAck = 2,
    /// <summary>An application message, either direction.</summary>
    Publish = 3,
    /// <summary>QoS 1 acknowledgement.</summary>
    PubAck = 4,
    /// <summary>QoS 2, step 1: received.</summary>
    PubRec = 5,
    /// <summary>QoS 2, step 2: release (flags 0010).</summary>
    PubRel = 6,
    /// <summary>QoS 2, step 3: complete.</summary>
    PubComp = 7,
    /// <summary>Client subscribes (flags 0010).</summary>
    Subscribe = 8,
    /// <summary>Server answers SUBSCRIBE.</summary>
    SubAck = 9,
    /// <summary>Client unsubscribes (flags 0010).</summary>
    Unsubscribe = 10,
    /// <summary>Server answers UNSUBSCRIBE.</summary>
    UnsubAck = 11,
    /// <summary>Client keep-alive ping.</summary>
    PingReq = 12,
    /// <summary>Server answers PINGREQ.</summary>
    PingResp = 13,
    /// <summary>Orderly close: client to server in 3.1.1, either direction in 5.0.</summary>
    Disconnect = 14,
    /// <summary>Enhanced authentication exchange (5.0 only; reserved in 3.1.1).</summary>
    Auth = 15,
}
