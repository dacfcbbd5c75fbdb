namespace Tidings.Mqtt.Protocol;

/// <summary>
/// The MQTT 5.0 properties of one packet (or of a will); null members are absent. A decoder returns
/// null instead of an instance when the property length is 0, so packets without properties
/// allocate nothing. Which members a packet may carry is in <see cref="MqttPropertyTable"/>.
/// </summary>
public sealed class MqttProperties
{
    /// <summary>0x01: 0 = unspecified bytes, 1 = UTF-8.</summary>
    public byte? PayloadFormatIndicator { get; set; }
    /// <summary>0x02: seconds.</summary>
    public uint? MessageExpiryInterval { get; set; }
    /// <summary>0x03.</summary>
    public string? ContentType { get; set; }
    /// <summary>0x08.</summary>
    public string? ResponseTopic { get; set; }
    /// <summary>0x09 (copied out of the receive buffer).</summary>
    public byte[]? CorrelationData { get; set; }
    /// <summary>0x0B: one in SUBSCRIBE; any number in a PUBLISH sent to a client.</summary>
    public List<int>? SubscriptionIdentifiers { get; set; }
    /// <summary>0x11: seconds; 0xFFFFFFFF = never expires.</summary>
    public uint? SessionExpiryInterval { get; set; }
    /// <summary>0x12.</summary>
    public string? AssignedClientIdentifier { get; set; }
    /// <summary>0x13: seconds.</summary>
    public ushort? ServerKeepAlive { get; set; }
    /// <summary>0x15.</summary>
    public string? AuthenticationMethod { get; set; }
    /// <summary>0x16 (copied out of the receive buffer).</summary>
    public byte[]? AuthenticationData { get; set; }
    /// <summary>0x17.</summary>
    public bool? RequestProblemInformation { get; set; }
    /// <summary>0x18: seconds.</summary>
    public uint? WillDelayInterval { get; set; }
    /// <summary>0x19.</summary>
    public bool? RequestResponseInformation { get; set; }
    /// <summary>0x1A.</summary>
    public string? ResponseInformation { get; set; }
    /// <summary>0x1C.</summary>
    public string? ServerReference { get; set; }
    /// <summary>0x1F.</summary>
    public string? ReasonString { get; set; }
    /// <summary>0x21: never 0.</summary>
    public ushort? ReceiveMaximum { get; set; }
    /// <summary>0x22.</summary>
    public ushort? TopicAliasMaximum { get; set; }
    /// <summary>0x23.</summary>
    public ushort? TopicAlias { get; set; }
    /// <summary>0x24: 0 or 1 (absent = 2).</summary>
    public MqttQos? MaximumQos { get; set; }
    /// <summary>0x25.</summary>
    public bool? RetainAvailable { get; set; }
    /// <summary>0x26, in wire order, duplicates kept.</summary>
    public List<MqttUserProperty>? UserProperties { get; set; }
    /// <summary>0x27: bytes, never 0.</summary>
    public uint? MaximumPacketSize { get; set; }
    /// <summary>0x28.</summary>
    public bool? WildcardSubscriptionAvailable { get; set; }
    /// <summary>0x29.</summary>
    public bool? SubscriptionIdentifierAvailable { get; set; }
    /// <summary>0x2A.</summary>
    public bool? SharedSubscriptionAvailable { get; set; }

    /// <summary>Appends a user property.</summary>
    public MqttProperties AddUserProperty(string name, string value)
    {
        (UserProperties ??= []).Add(new MqttUserProperty(name, value));
        return this;
    }
}
