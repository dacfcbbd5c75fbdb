namespace Tidings.Mqtt.Protocol;

/// <summary>Each property's value type and the packets that may carry it (MQTT 5.0 section 2.2.2.2).</summary>
public static class MqttPropertyTable
{
    private const MqttPropertyContext Message = MqttPropertyContext.Publish | MqttPropertyContext.Will;
    private const MqttPropertyContext Acks = MqttPropertyContext.ConnAck | MqttPropertyContext.PublishAck | MqttPropertyContext.SubAck
        | MqttPropertyContext.UnsubAck | MqttPropertyContext.Disconnect | MqttPropertyContext.Auth;

    // Indexed by property id; Context None marks an id that is not a property.
    private static readonly (MqttPropertyType Type, MqttPropertyContext Allowed)[] s_entries = Build();

    /// <summary>The highest property id.</summary>
    public const int MaxId = (int)MqttPropertyId.SharedSubscriptionAvailable;

    /// <summary>Type and allowed packets of property <paramref name="id"/>; false for an unknown id.</summary>
    public static bool TryGet(int id, out MqttPropertyType type, out MqttPropertyContext allowed)
    {
        if ((uint)id > MaxId || s_entries[id].Allowed == MqttPropertyContext.None)
        {
            type = default;
            allowed = MqttPropertyContext.None;
            return false;
        }

        (type, allowed) = s_entries[id];
        return true;
    }

    /// <summary>True for the properties that may appear more than once in <paramref name="context"/>.</summary>
    public static bool MayRepeat(MqttPropertyId id, MqttPropertyContext context) =>
        id == MqttPropertyId.UserProperty || (id == MqttPropertyId.SubscriptionIdentifier && context == MqttPropertyContext.Publish);

    private static (MqttPropertyType, MqttPropertyContext)[] Build()
    {
        var t = new (MqttPropertyType, MqttPropertyContext)[MaxId + 1];
        t[(int)MqttPropertyId.PayloadFormatIndicator] = (MqttPropertyType.Byte, Message);
        t[(int)MqttPropertyId.MessageExpiryInterval] = (MqttPropertyType.FourByteInteger, Message);
        t[(int)MqttPropertyId.ContentType] = (MqttPropertyType.Utf8String, Message);
        t[(int)MqttPropertyId.ResponseTopic] = (MqttPropertyType.Utf8String, Message);
        t[(int)MqttPropertyId.CorrelationData] = (MqttPropertyType.BinaryData, Message);
        t[(int)MqttPropertyId.SubscriptionIdentifier] = (MqttPropertyType.VariableByteInteger, MqttPropertyContext.Publish | MqttPropertyContext.Subscribe);
        t[(int)MqttPropertyId.SessionExpiryInterval] = (MqttPropertyType.FourByteInteger, MqttPropertyContext.Connect | MqttPropertyContext.ConnAck | MqttPropertyContext.Disconnect);
        t[(int)MqttPropertyId.AssignedClientIdentifier] = (MqttPropertyType.Utf8String, MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.ServerKeepAlive] = (MqttPropertyType.TwoByteInteger, MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.AuthenticationMethod] = (MqttPropertyType.Utf8String, MqttPropertyContext.Connect | MqttPropertyContext.ConnAck | MqttPropertyContext.Auth);
        t[(int)MqttPropertyId.AuthenticationData] = (MqttPropertyType.BinaryData, MqttPropertyContext.Connect | MqttPropertyContext.ConnAck | MqttPropertyContext.Auth);
        t[(int)MqttPropertyId.RequestProblemInformation] = (MqttPropertyType.Byte, MqttPropertyContext.Connect);
        t[(int)MqttPropertyId.WillDelayInterval] = (MqttPropertyType.FourByteInteger, MqttPropertyContext.Will);
        t[(int)MqttPropertyId.RequestResponseInformation] = (MqttPropertyType.Byte, MqttPropertyContext.Connect);
        t[(int)MqttPropertyId.ResponseInformation] = (MqttPropertyType.Utf8String, MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.ServerReference] = (MqttPropertyType.Utf8String, MqttPropertyContext.ConnAck | MqttPropertyContext.Disconnect);
        t[(int)MqttPropertyId.ReasonString] = (MqttPropertyType.Utf8String, Acks);
        t[(int)MqttPropertyId.ReceiveMaximum] = (MqttPropertyType.TwoByteInteger, MqttPropertyContext.Connect | MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.TopicAliasMaximum] = (MqttPropertyType.TwoByteInteger, MqttPropertyContext.Connect | MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.TopicAlias] = (MqttPropertyType.TwoByteInteger, MqttPropertyContext.Publish);
        t[(int)MqttPropertyId.MaximumQos] = (MqttPropertyType.Byte, MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.RetainAvailable] = (MqttPropertyType.Byte, MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.UserProperty] = (MqttPropertyType.Utf8StringPair, MqttPropertyContext.All);
        t[(int)MqttPropertyId.MaximumPacketSize] = (MqttPropertyType.FourByteInteger, MqttPropertyContext.Connect | MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.WildcardSubscriptionAvailable] = (MqttPropertyType.Byte, MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.SubscriptionIdentifierAvailable] = (MqttPropertyType.Byte, MqttPropertyContext.ConnAck);
        t[(int)MqttPropertyId.SharedSubscriptionAvailable] = (MqttPropertyType.Byte, MqttPropertyContext.ConnAck);
        return t;
    }
}
