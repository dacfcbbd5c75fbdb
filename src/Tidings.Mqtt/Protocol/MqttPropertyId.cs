namespace Tidings.Mqtt.Protocol;

/// <summary>MQTT 5.0 property identifiers.</summary>
public enum MqttPropertyId : byte
{
    /// <summary>Byte: 0 = unspecified bytes, 1 = UTF-8 payload.</summary>
    PayloadFormatIndicator = 0x01,
    /// <summary>Four byte integer: seconds the message lives.</summary>
    MessageExpiryInterval = 0x02,
    /// <summary>UTF-8 string: the payload's content type.</summary>
    ContentType = 0x03,
    /// <summary>UTF-8 string: topic for a response.</summary>
    ResponseTopic = 0x08,
    /// <summary>Binary data: correlates a response with its request.</summary>
    CorrelationData = 0x09,
    /// <summary>Variable byte integer, 1..268,435,455: identifies a subscription.</summary>
    SubscriptionIdentifier = 0x0B,
    /// <summary>Four byte integer: seconds the session outlives the connection.</summary>
    SessionExpiryInterval = 0x11,
    /// <summary>UTF-8 string: the client id the server chose.</summary>
    AssignedClientIdentifier = 0x12,
    /// <summary>Two byte integer: keep alive the server imposes.</summary>
    ServerKeepAlive = 0x13,
    /// <summary>UTF-8 string: the enhanced authentication method.</summary>
    AuthenticationMethod = 0x15,
    /// <summary>Binary data: enhanced authentication data.</summary>
    AuthenticationData = 0x16,
    /// <summary>Byte 0/1: may the server send reason strings and user properties on failures.</summary>
    RequestProblemInformation = 0x17,
    /// <summary>Four byte integer: seconds to wait before publishing the will.</summary>
    WillDelayInterval = 0x18,
    /// <summary>Byte 0/1: does the client want Response Information in CONNACK.</summary>
    RequestResponseInformation = 0x19,
    /// <summary>UTF-8 string: basis for response topics.</summary>
    ResponseInformation = 0x1A,
    /// <summary>UTF-8 string: another server to use.</summary>
    ServerReference = 0x1C,
    /// <summary>UTF-8 string: human-readable reason.</summary>
    ReasonString = 0x1F,
    /// <summary>Two byte integer, not 0: QoS &gt; 0 publishes the sender may have in flight.</summary>
    ReceiveMaximum = 0x21,
    /// <summary>Two byte integer: highest topic alias the sender accepts.</summary>
    TopicAliasMaximum = 0x22,
    /// <summary>Two byte integer: stands for a topic name on this connection.</summary>
    TopicAlias = 0x23,
    /// <summary>Byte 0/1: the server's highest QoS (absent = 2).</summary>
    MaximumQos = 0x24,
    /// <summary>Byte 0/1: are retained messages supported.</summary>
    RetainAvailable = 0x25,
    /// <summary>UTF-8 string pair; may repeat, order kept.</summary>
    UserProperty = 0x26,
    /// <summary>Four byte integer, not 0: the largest packet the sender accepts.</summary>
    MaximumPacketSize = 0x27,
    /// <summary>Byte 0/1: are wildcard subscriptions supported.</summary>
    WildcardSubscriptionAvailable = 0x28,
    /// <summary>Byte 0/1: are subscription identifiers supported.</summary>
    SubscriptionIdentifierAvailable = 0x29,
    /// <summary>Byte 0/1: are shared subscriptions supported.</summary>
    SharedSubscriptionAvailable = 0x2A,
}
