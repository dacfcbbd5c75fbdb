namespace Tidings.Mqtt.Protocol;

/// <summary>
/// Reads a property block (length, then identifier/value pairs) and enforces the packet's rules:
/// an unknown identifier or a block that overruns its length is malformed; a property the packet
/// may not carry, a repeated single-use property, or a value out of its range is a protocol error.
/// </summary>
internal static class MqttPropertiesReader
{
    /// <summary>Reads the block at the reader's position; null when its length is 0.</summary>
    public static MqttProperties? Read(ref MqttBodyReader reader, MqttPropertyContext context)
    {
        int length = reader.ReadVariableByteInteger("property length");
        if (length == 0)
        {
            return null;
        }

        if (length > reader.Remaining)
        {
            throw MqttProtocolException.Malformed($"{reader.PacketName}: property length {length} is beyond the packet's end");
        }

        long end = reader.Consumed + length;
        var properties = new MqttProperties();
        ulong seen = 0;
        while (reader.Consumed < end)
        {
            int id = reader.ReadVariableByteInteger("property identifier");
            if (!MqttPropertyTable.TryGet(id, out _, out var allowed))
            {
                throw MqttProtocolException.Malformed($"{reader.PacketName}: unknown property identifier 0x{id:X2}");
            }

            var property = (MqttPropertyId)id;
            if ((allowed & context) == 0)
            {
                throw MqttProtocolException.Protocol($"{reader.PacketName}: property {property} is not allowed in {context}");
            }

            if (!MqttPropertyTable.MayRepeat(property, context))
            {
                ulong bit = 1UL << id;
                if ((seen & bit) != 0)
                {
                    throw MqttProtocolException.Protocol($"{reader.PacketName}: property {property} appears more than once");
                }

                seen |= bit;
            }

            ReadValue(ref reader, property, properties);
        }

        if (reader.Consumed != end)
        {
            throw MqttProtocolException.Malformed($"{reader.PacketName}: the last property runs past the property length");
        }

        return properties;
    }

    private static void ReadValue(ref MqttBodyReader reader, MqttPropertyId id, MqttProperties p)
    {
        string what = id.ToString();
        switch (id)
        {
            case MqttPropertyId.PayloadFormatIndicator:
                p.PayloadFormatIndicator = ZeroOrOne(ref reader, what);
                break;
            case MqttPropertyId.MessageExpiryInterval:
                p.MessageExpiryInterval = reader.ReadUInt32(what);
                break;
            case MqttPropertyId.ContentType:
                p.ContentType = reader.ReadString(what);
                break;
            case MqttPropertyId.ResponseTopic:
                p.ResponseTopic = reader.ReadString(what);
                break;
            case MqttPropertyId.CorrelationData:
                p.CorrelationData = reader.ReadBinaryArray(what);
                break;
            case MqttPropertyId.SubscriptionIdentifier:
                int subscriptionId = reader.ReadVariableByteInteger(what);
                if (subscriptionId == 0)
                {
                    throw MqttProtocolException.Protocol($"{reader.PacketName}: subscription identifier 0");
                }

                (p.SubscriptionIdentifiers ??= []).Add(subscriptionId);
                break;
            case MqttPropertyId.SessionExpiryInterval:
                p.SessionExpiryInterval = reader.ReadUInt32(what);
                break;
            case MqttPropertyId.AssignedClientIdentifier:
                p.AssignedClientIdentifier = reader.ReadString(what);
                break;
            case MqttPropertyId.ServerKeepAlive:
                p.ServerKeepAlive = reader.ReadUInt16(what);
                break;
            case MqttPropertyId.AuthenticationMethod:
                p.AuthenticationMethod = reader.ReadString(what);
                break;
            case MqttPropertyId.AuthenticationData:
                p.AuthenticationData = reader.ReadBinaryArray(what);
                break;
            case MqttPropertyId.RequestProblemInformation:
                p.RequestProblemInformation = ZeroOrOne(ref reader, what) == 1;
                break;
            case MqttPropertyId.WillDelayInterval:
                p.WillDelayInterval = reader.ReadUInt32(what);
                break;
            case MqttPropertyId.RequestResponseInformation:
                p.RequestResponseInformation = ZeroOrOne(ref reader, what) == 1;
                break;
            case MqttPropertyId.ResponseInformation:
                p.ResponseInformation = reader.ReadString(what);
                break;
            case MqttPropertyId.ServerReference:
                p.ServerReference = reader.ReadString(what);
                break;
            case MqttPropertyId.ReasonString:
                p.ReasonString = reader.ReadString(what);
                break;
            case MqttPropertyId.ReceiveMaximum:
                p.ReceiveMaximum = NotZero(reader.ReadUInt16(what), ref reader, what);
                break;
            case MqttPropertyId.TopicAliasMaximum:
                p.TopicAliasMaximum = reader.ReadUInt16(what);
                break;
            case MqttPropertyId.TopicAlias:
                p.TopicAlias = reader.ReadUInt16(what);
                break;
            case MqttPropertyId.MaximumQos:
                p.MaximumQos = (MqttQos)ZeroOrOne(ref reader, what);
                break;
            case MqttPropertyId.RetainAvailable:
                p.RetainAvailable = ZeroOrOne(ref reader, what) == 1;
                break;
            case MqttPropertyId.UserProperty:
                string name = reader.ReadString("user property name");
                string value = reader.ReadString("user property value");
                (p.UserProperties ??= []).Add(new MqttUserProperty(name, value));
                break;
            case MqttPropertyId.MaximumPacketSize:
                uint max = reader.ReadUInt32(what);
                p.MaximumPacketSize = max != 0 ? max : throw MqttProtocolException.Protocol($"{reader.PacketName}: {what} 0");
                break;
            case MqttPropertyId.WildcardSubscriptionAvailable:
                p.WildcardSubscriptionAvailable = ZeroOrOne(ref reader, what) == 1;
                break;
            case MqttPropertyId.SubscriptionIdentifierAvailable:
                p.SubscriptionIdentifierAvailable = ZeroOrOne(ref reader, what) == 1;
                break;
            case MqttPropertyId.SharedSubscriptionAvailable:
                p.SharedSubscriptionAvailable = ZeroOrOne(ref reader, what) == 1;
                break;
            default:
                throw new InvalidOperationException($"property {id} has no reader");
        }
    }

    private static byte ZeroOrOne(ref MqttBodyReader reader, string what)
    {
        byte value = reader.ReadByte(what);
        return value <= 1 ? value : throw MqttProtocolException.Protocol($"{reader.PacketName}: {what} is {value} (must be 0 or 1)");
    }

    private static ushort NotZero(ushort value, ref MqttBodyReader reader, string what) =>
        value != 0 ? value : throw MqttProtocolException.Protocol($"{reader.PacketName}: {what} 0");
}
