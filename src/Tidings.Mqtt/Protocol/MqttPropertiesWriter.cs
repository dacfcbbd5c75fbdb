using System.Text;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// Sizes and writes a property block in identifier order. <c>extraSubscriptionIds</c> lets a server
/// add the matching subscriptions' identifiers to a forwarded PUBLISH without building a new
/// <see cref="MqttProperties"/> per delivery, and <c>extraTopicAlias</c> (non-zero) a Topic Alias
/// the connection chose for it.
/// </summary>
internal static class MqttPropertiesWriter
{
    /// <summary>Bytes of the properties themselves (without the length prefix).</summary>
    /// <exception cref="ArgumentException">A string or binary value longer than 65,535 bytes.</exception>
    public static int GetContentSize(MqttProperties? p, ReadOnlySpan<int> extraSubscriptionIds = default, ushort extraTopicAlias = 0)
    {
        int size = extraTopicAlias != 0 && p?.TopicAlias is null ? 3 : 0;
        foreach (int id in extraSubscriptionIds)
        {
            size += 1 + MqttVariableByteInteger.GetSize(CheckSubscriptionId(id));
        }

        if (p is null)
        {
            return size;
        }

        if (p.PayloadFormatIndicator.HasValue) size += 2;
        if (p.MessageExpiryInterval.HasValue) size += 5;
        size += StringSize(p.ContentType);
        size += StringSize(p.ResponseTopic);
        size += BinarySize(p.CorrelationData);
        if (p.SubscriptionIdentifiers is { } ids)
        {
            foreach (int id in ids)
            {
                size += 1 + MqttVariableByteInteger.GetSize(CheckSubscriptionId(id));
            }
        }

        if (p.SessionExpiryInterval.HasValue) size += 5;
        size += StringSize(p.AssignedClientIdentifier);
        if (p.ServerKeepAlive.HasValue) size += 3;
        size += StringSize(p.AuthenticationMethod);
        size += BinarySize(p.AuthenticationData);
        if (p.RequestProblemInformation.HasValue) size += 2;
        if (p.WillDelayInterval.HasValue) size += 5;
        if (p.RequestResponseInformation.HasValue) size += 2;
        size += StringSize(p.ResponseInformation);
        size += StringSize(p.ServerReference);
        size += StringSize(p.ReasonString);
        if (p.ReceiveMaximum.HasValue) size += 3;
        if (p.TopicAliasMaximum.HasValue) size += 3;
        if (p.TopicAlias.HasValue) size += 3;
        if (p.MaximumQos.HasValue) size += 2;
        if (p.RetainAvailable.HasValue) size += 2;
        if (p.UserProperties is { } user)
        {
            foreach (var pair in user)
            {
                size += 1 + Utf8Size(pair.Name) + Utf8Size(pair.Value);
            }
        }

        if (p.MaximumPacketSize.HasValue) size += 5;
        if (p.WildcardSubscriptionAvailable.HasValue) size += 2;
        if (p.SubscriptionIdentifierAvailable.HasValue) size += 2;
        if (p.SharedSubscriptionAvailable.HasValue) size += 2;
        return size;
    }

    /// <summary>Length prefix plus content.</summary>
    public static int GetBlockSize(int contentSize) => MqttVariableByteInteger.GetSize(contentSize) + contentSize;

    /// <summary>Writes the length prefix and the properties; <paramref name="contentSize"/> from <see cref="GetContentSize"/>.</summary>
    public static void Write(ref MqttSpanWriter w, MqttProperties? p, int contentSize, ReadOnlySpan<int> extraSubscriptionIds = default, ushort extraTopicAlias = 0)
    {
        w.WriteVariableByteInteger(contentSize);
        if (extraTopicAlias != 0 && p?.TopicAlias is null) WriteUInt16(ref w, MqttPropertyId.TopicAlias, extraTopicAlias);
        if (p is null)
        {
            WriteSubscriptionIds(ref w, extraSubscriptionIds);
            return;
        }

        if (p.PayloadFormatIndicator is { } pfi) WriteByte(ref w, MqttPropertyId.PayloadFormatIndicator, pfi);
        if (p.MessageExpiryInterval is { } expiry) WriteUInt32(ref w, MqttPropertyId.MessageExpiryInterval, expiry);
        WriteString(ref w, MqttPropertyId.ContentType, p.ContentType);
        WriteString(ref w, MqttPropertyId.ResponseTopic, p.ResponseTopic);
        WriteBinary(ref w, MqttPropertyId.CorrelationData, p.CorrelationData);
        if (p.SubscriptionIdentifiers is { } ids)
        {
            foreach (int id in ids)
            {
                w.WriteByte((byte)MqttPropertyId.SubscriptionIdentifier);
                w.WriteVariableByteInteger(id);
            }
        }

        WriteSubscriptionIds(ref w, extraSubscriptionIds);
        if (p.SessionExpiryInterval is { } session) WriteUInt32(ref w, MqttPropertyId.SessionExpiryInterval, session);
        WriteString(ref w, MqttPropertyId.AssignedClientIdentifier, p.AssignedClientIdentifier);
        if (p.ServerKeepAlive is { } keepAlive) WriteUInt16(ref w, MqttPropertyId.ServerKeepAlive, keepAlive);
        WriteString(ref w, MqttPropertyId.AuthenticationMethod, p.AuthenticationMethod);
        WriteBinary(ref w, MqttPropertyId.AuthenticationData, p.AuthenticationData);
        if (p.RequestProblemInformation is { } rpi) WriteByte(ref w, MqttPropertyId.RequestProblemInformation, rpi ? (byte)1 : (byte)0);
        if (p.WillDelayInterval is { } willDelay) WriteUInt32(ref w, MqttPropertyId.WillDelayInterval, willDelay);
        if (p.RequestResponseInformation is { } rri) WriteByte(ref w, MqttPropertyId.RequestResponseInformation, rri ? (byte)1 : (byte)0);
        WriteString(ref w, MqttPropertyId.ResponseInformation, p.ResponseInformation);
        WriteString(ref w, MqttPropertyId.ServerReference, p.ServerReference);
        WriteString(ref w, MqttPropertyId.ReasonString, p.ReasonString);
        if (p.ReceiveMaximum is { } receiveMaximum) WriteUInt16(ref w, MqttPropertyId.ReceiveMaximum, receiveMaximum);
        if (p.TopicAliasMaximum is { } aliasMaximum) WriteUInt16(ref w, MqttPropertyId.TopicAliasMaximum, aliasMaximum);
        if (p.TopicAlias is { } alias) WriteUInt16(ref w, MqttPropertyId.TopicAlias, alias);
        if (p.MaximumQos is { } maxQos) WriteByte(ref w, MqttPropertyId.MaximumQos, (byte)maxQos);
        if (p.RetainAvailable is { } retain) WriteByte(ref w, MqttPropertyId.RetainAvailable, retain ? (byte)1 : (byte)0);
        if (p.UserProperties is { } user)
        {
            foreach (var pair in user)
            {
                w.WriteByte((byte)MqttPropertyId.UserProperty);
                w.WriteString(pair.Name);
                w.WriteString(pair.Value);
            }
        }

        if (p.MaximumPacketSize is { } maxPacket) WriteUInt32(ref w, MqttPropertyId.MaximumPacketSize, maxPacket);
        if (p.WildcardSubscriptionAvailable is { } wildcard) WriteByte(ref w, MqttPropertyId.WildcardSubscriptionAvailable, wildcard ? (byte)1 : (byte)0);
        if (p.SubscriptionIdentifierAvailable is { } subIds) WriteByte(ref w, MqttPropertyId.SubscriptionIdentifierAvailable, subIds ? (byte)1 : (byte)0);
        if (p.SharedSubscriptionAvailable is { } shared) WriteByte(ref w, MqttPropertyId.SharedSubscriptionAvailable, shared ? (byte)1 : (byte)0);
    }

    /// <summary>uint16 length plus UTF-8 bytes.</summary>
    /// <exception cref="ArgumentException">Longer than 65,535 bytes.</exception>
    public static int Utf8Size(string value)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        return length <= MqttUtf8.MaxBytes
            ? 2 + length
            : throw new ArgumentException($"An MQTT string holds at most {MqttUtf8.MaxBytes} UTF-8 bytes; this one has {length}.", nameof(value));
    }

    private static int StringSize(string? value) => value is null ? 0 : 1 + Utf8Size(value);

    private static int BinarySize(byte[]? value) => value is null
        ? 0
        : value.Length <= ushort.MaxValue ? 3 + value.Length : throw new ArgumentException($"MQTT binary data holds at most 65,535 bytes; this has {value.Length}.", nameof(value));

    private static int CheckSubscriptionId(int id) => id is >= 1 and <= MqttVariableByteInteger.MaxValue
        ? id
        : throw new ArgumentOutOfRangeException(nameof(id), id, "A subscription identifier is 1..268,435,455.");

    private static void WriteSubscriptionIds(ref MqttSpanWriter w, ReadOnlySpan<int> ids)
    {
        foreach (int id in ids)
        {
            w.WriteByte((byte)MqttPropertyId.SubscriptionIdentifier);
            w.WriteVariableByteInteger(id);
        }
    }

    private static void WriteByte(ref MqttSpanWriter w, MqttPropertyId id, byte value)
    {
        w.WriteByte((byte)id);
        w.WriteByte(value);
    }

    private static void WriteUInt16(ref MqttSpanWriter w, MqttPropertyId id, ushort value)
    {
        w.WriteByte((byte)id);
        w.WriteUInt16(value);
    }

    private static void WriteUInt32(ref MqttSpanWriter w, MqttPropertyId id, uint value)
    {
        w.WriteByte((byte)id);
        w.WriteUInt32(value);
    }

    private static void WriteString(ref MqttSpanWriter w, MqttPropertyId id, string? value)
    {
        if (value is not null)
        {
            w.WriteByte((byte)id);
            w.WriteString(value);
        }
    }

    private static void WriteBinary(ref MqttSpanWriter w, MqttPropertyId id, byte[]? value)
    {
        if (value is not null)
        {
            w.WriteByte((byte)id);
            w.WriteBinary(value);
        }
    }
}
