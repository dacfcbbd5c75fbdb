namespace Tidings.Mqtt.Protocol;

/// <summary>
/// MQTT 5.0 reason codes. Values below 0x80 report success; 0x80 and above report failure. Some values
/// have a different name per packet (0x00 is Success, Normal disconnection and Granted QoS 0).
/// </summary>
public enum MqttReasonCode : byte
{
    /// <summary>Success; in DISCONNECT normal disconnection; in SUBACK granted QoS 0.</summary>
    Success = 0x00,
    /// <summary>SUBACK: granted QoS 1.</summary>
    GrantedQos1 = 0x01,
    /// <summary>SUBACK: granted QoS 2.</summary>
    GrantedQos2 = 0x02,
    /// <summary>DISCONNECT: close, but publish the will message.</summary>
    DisconnectWithWillMessage = 0x04,
    /// <summary>PUBACK/PUBREC: accepted, but nobody subscribes.</summary>
    NoMatchingSubscribers = 0x10,
    /// <summary>UNSUBACK: there was no such subscription.</summary>
    NoSubscriptionExisted = 0x11,
    /// <summary>AUTH: continue authentication.</summary>
    ContinueAuthentication = 0x18,
    /// <summary>AUTH: re-authenticate.</summary>
    ReAuthenticate = 0x19,
    /// <summary>Unspecified error.</summary>
    UnspecifiedError = 0x80,
    /// <summary>The packet could not be parsed as the specification says.</summary>
    MalformedPacket = 0x81,
    /// <summary>The packet parsed but breaks a protocol rule.</summary>
    ProtocolError = 0x82,
    /// <summary>Valid, but this implementation does not accept it.</summary>
    ImplementationSpecificError = 0x83,
    /// <summary>CONNACK: the protocol level is not supported.</summary>
    UnsupportedProtocolVersion = 0x84,
    /// <summary>CONNACK: the client identifier is not allowed.</summary>
    ClientIdentifierNotValid = 0x85,
    /// <summary>CONNACK: bad user name or password.</summary>
    BadUserNameOrPassword = 0x86,
    /// <summary>Not authorized.</summary>
    NotAuthorized = 0x87,
    /// <summary>CONNACK: the server is unavailable.</summary>
    ServerUnavailable = 0x88,
    /// <summary>The server is busy.</summary>
    ServerBusy = 0x89,
    /// <summary>CONNACK: the client is banned.</summary>
    Banned = 0x8A,
    /// <summary>DISCONNECT: the server is shutting down.</summary>
    ServerShuttingDown = 0x8B,
    /// <summary>Bad authentication method.</summary>
    BadAuthenticationMethod = 0x8C,
    /// <summary>DISCONNECT: nothing was received within 1.5 keep-alive periods.</summary>
    KeepAliveTimeout = 0x8D,
    /// <summary>DISCONNECT: another connection took over the session.</summary>
    SessionTakenOver = 0x8E,
    /// <summary>The topic filter is well formed UTF-8 but not acceptable.</summary>
    TopicFilterInvalid = 0x8F,
    /// <summary>The topic name is well formed UTF-8 but not acceptable (e.g. contains wildcards).</summary>
    TopicNameInvalid = 0x90,
    /// <summary>The packet identifier is already in use.</summary>
    PacketIdentifierInUse = 0x91,
    /// <summary>The packet identifier is not known.</summary>
    PacketIdentifierNotFound = 0x92,
    /// <summary>More QoS &gt; 0 publishes in flight than Receive Maximum allows.</summary>
    ReceiveMaximumExceeded = 0x93,
    /// <summary>The topic alias is 0, above the maximum, or not set.</summary>
    TopicAliasInvalid = 0x94,
    /// <summary>The packet is larger than the receiver's Maximum Packet Size.</summary>
    PacketTooLarge = 0x95,
    /// <summary>Message rate too high.</summary>
    MessageRateTooHigh = 0x96,
    /// <summary>A quota is exceeded.</summary>
    QuotaExceeded = 0x97,
    /// <summary>DISCONNECT: administrative action.</summary>
    AdministrativeAction = 0x98,
    /// <summary>The payload does not match the Payload Format Indicator.</summary>
    PayloadFormatInvalid = 0x99,
    /// <summary>Retained messages are not supported.</summary>
    RetainNotSupported = 0x9A,
    /// <summary>The QoS is above the server's Maximum QoS.</summary>
    QosNotSupported = 0x9B,
    /// <summary>Use another server (temporarily).</summary>
    UseAnotherServer = 0x9C,
    /// <summary>Server moved (permanently).</summary>
    ServerMoved = 0x9D,
    /// <summary>Shared subscriptions are not supported.</summary>
    SharedSubscriptionsNotSupported = 0x9E,
    /// <summary>CONNACK: connection rate exceeded.</summary>
    ConnectionRateExceeded = 0x9F,
    /// <summary>DISCONNECT: maximum connect time reached.</summary>
    MaximumConnectTime = 0xA0,
    /// <summary>Subscription identifiers are not supported.</summary>
    SubscriptionIdentifiersNotSupported = 0xA1,
    /// <summary>Wildcard subscriptions are not supported.</summary>
    WildcardSubscriptionsNotSupported = 0xA2,
}
