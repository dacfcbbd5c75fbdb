using System.Buffers;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// Reads and writes the content header frame payload: class id, weight, body size, the 16-bit
/// property flags (bit 0 = another flag word follows) and then the present basic properties in
/// spec order, mapped to and from <see cref="MessageProperties"/>.
/// </summary>
public static class ContentHeaderCodec
{
    /// <summary>The class id of <c>basic</c>, the only class whose methods carry content.</summary>
    public const ushort BasicClassId = 60;

    /// <summary>Bytes before the first property: class id, weight, body size and one flag word.</summary>
    public const int MinimumSize = 14;

    // The flag bit after cluster-id: a fifteenth basic property that does not exist.
    private const ushort UnknownPropertyFlag = 0x0002;

    /// <summary>Reads a content header payload that fills <paramref name="payload"/> exactly.</summary>
    /// <remarks>
    /// Properties are decoded only for class 60; for any other class they are reported empty, and
    /// the channel answers with 505 UNEXPECTED_FRAME as RabbitMQ does.
    /// </remarks>
    /// <exception cref="AmqpSyntaxException">The payload is truncated, flags name properties that do not exist, or bytes are left over (502).</exception>
    public static ContentHeader Read(ReadOnlySequence<byte> payload) => Read(payload, cache: null);

    /// <summary>
    /// Reads a content header, reusing the properties of the previous header when its encoded
    /// flags and properties are byte-for-byte the same (<paramref name="cache"/>).
    /// </summary>
    internal static ContentHeader Read(ReadOnlySequence<byte> payload, PropertiesCache? cache)
    {
        // Class id, weight and body size come before the flags.
        const int FixedPrefix = 12;
        if (cache is not null && payload.Length >= MinimumSize)
        {
            var encoded = payload.Slice(FixedPrefix);
            var prefix = new SequenceReader<byte>(payload);
            ushort classId = AmqpWireReader.ReadUInt16(ref prefix);
            ushort weight = AmqpWireReader.ReadUInt16(ref prefix);
            ulong bodySize = AmqpWireReader.ReadUInt64(ref prefix);
            if (classId == BasicClassId && cache.TryGet(encoded, out var cached))
                return new ContentHeader(classId, weight, bodySize, cached);
            var header = ReadUncached(payload);
            if (header.ClassId == BasicClassId) cache.Remember(encoded, header.Properties);
            return header;
        }
        return ReadUncached(payload);
    }

    private static ContentHeader ReadUncached(ReadOnlySequence<byte> payload)
    {
        var reader = new SequenceReader<byte>(payload);
        ushort classId = AmqpWireReader.ReadUInt16(ref reader);
        ushort weight = AmqpWireReader.ReadUInt16(ref reader);
        ulong bodySize = AmqpWireReader.ReadUInt64(ref reader);
        ushort flags = AmqpWireReader.ReadUInt16(ref reader);
        for (ushort more = flags; (more & BasicPropertyFlags.Continuation) != 0;)
        {
            more = AmqpWireReader.ReadUInt16(ref reader);
            if ((more & ~BasicPropertyFlags.Continuation) != 0)
            {
                throw new AmqpSyntaxException($"content header flags 0x{more:X4} in a continuation word name properties class {classId} does not have");
            }
        }

        if (classId != BasicClassId)
        {
            return new ContentHeader(classId, weight, bodySize, MessageProperties.Empty);
        }

        if ((flags & UnknownPropertyFlag) != 0)
        {
            throw new AmqpSyntaxException($"content header flags 0x{flags:X4} name a property class {classId} does not have");
        }

        var properties = (flags & ~BasicPropertyFlags.Continuation) == 0
            ? MessageProperties.Empty
            : ReadProperties(ref reader, flags);
        AmqpWireReader.EnsureEnd(ref reader, "content header");
        return new ContentHeader(classId, weight, bodySize, properties);
    }

    /// <summary>The property flags <paramref name="properties"/> is written with (every non-null property).</summary>
    public static ushort GetFlags(MessageProperties properties)
    {
        ushort flags = 0;
        if (properties.ContentType is not null) flags |= BasicPropertyFlags.ContentType;
        if (properties.ContentEncoding is not null) flags |= BasicPropertyFlags.ContentEncoding;
        if (properties.Headers is not null) flags |= BasicPropertyFlags.Headers;
        if (properties.DeliveryMode is not null) flags |= BasicPropertyFlags.DeliveryMode;
        if (properties.Priority is not null) flags |= BasicPropertyFlags.Priority;
        if (properties.CorrelationId is not null) flags |= BasicPropertyFlags.CorrelationId;
        if (properties.ReplyTo is not null) flags |= BasicPropertyFlags.ReplyTo;
        if (properties.Expiration is not null) flags |= BasicPropertyFlags.Expiration;
        if (properties.MessageId is not null) flags |= BasicPropertyFlags.MessageId;
        if (properties.Timestamp is not null) flags |= BasicPropertyFlags.Timestamp;
        if (properties.Type is not null) flags |= BasicPropertyFlags.Type;
        if (properties.UserId is not null) flags |= BasicPropertyFlags.UserId;
        if (properties.AppId is not null) flags |= BasicPropertyFlags.AppId;
        if (properties.ClusterId is not null) flags |= BasicPropertyFlags.ClusterId;
        return flags;
    }

    /// <summary>The exact payload size of a basic content header carrying <paramref name="properties"/>.</summary>
    /// <exception cref="ArgumentException">A string property is longer than 255 UTF-8 bytes, or a header value has no encoding.</exception>
    public static int GetSize(MessageProperties properties)
    {
        int size = MinimumSize;
        size += ShortStringSize(properties.ContentType);
        size += ShortStringSize(properties.ContentEncoding);
        size += properties.Headers is null ? 0 : FieldTableCodec.GetTableSize(properties.Headers);
        size += properties.DeliveryMode is null ? 0 : 1;
        size += properties.Priority is null ? 0 : 1;
        size += ShortStringSize(properties.CorrelationId);
        size += ShortStringSize(properties.ReplyTo);
        size += ShortStringSize(properties.Expiration);
        size += ShortStringSize(properties.MessageId);
        size += properties.Timestamp is null ? 0 : 8;
        size += ShortStringSize(properties.Type);
        size += ShortStringSize(properties.UserId);
        size += ShortStringSize(properties.AppId);
        size += ShortStringSize(properties.ClusterId);
        return size;
    }

    /// <summary>Writes a basic (class 60) content header payload; returns the bytes written (<see cref="GetSize"/>).</summary>
    public static int WriteTo(Span<byte> destination, ulong bodySize, MessageProperties properties)
    {
        var writer = new AmqpSpanWriter(destination);
        writer.WriteUInt16(BasicClassId);
        writer.WriteUInt16(0); // weight
        writer.WriteUInt64(bodySize);
        writer.WriteUInt16(GetFlags(properties));
        if (properties.ContentType is { } contentType) writer.WriteShortString(contentType);
        if (properties.ContentEncoding is { } contentEncoding) writer.WriteShortString(contentEncoding);
        if (properties.Headers is { } headers) FieldTableCodec.WriteTable(ref writer, headers, depth: 0);
        if (properties.DeliveryMode is { } deliveryMode) writer.WriteOctet(deliveryMode);
        if (properties.Priority is { } priority) writer.WriteOctet(priority);
        if (properties.CorrelationId is { } correlationId) writer.WriteShortString(correlationId);
        if (properties.ReplyTo is { } replyTo) writer.WriteShortString(replyTo);
        if (properties.Expiration is { } expiration) writer.WriteShortString(expiration);
        if (properties.MessageId is { } messageId) writer.WriteShortString(messageId);
        if (properties.Timestamp is { } timestamp) writer.WriteUInt64((ulong)timestamp.UnixSeconds);
        if (properties.Type is { } type) writer.WriteShortString(type);
        if (properties.UserId is { } userId) writer.WriteShortString(userId);
        if (properties.AppId is { } appId) writer.WriteShortString(appId);
        if (properties.ClusterId is { } clusterId) writer.WriteShortString(clusterId);
        return writer.Position;
    }

    /// <summary>Writes a basic (class 60) content header payload into one span of <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ulong bodySize, MessageProperties properties)
    {
        int size = GetSize(properties);
        writer.Advance(WriteTo(writer.GetSpan(size), bodySize, properties));
    }

    // Initializers run in source order, which is the wire order of the properties.
    private static MessageProperties ReadProperties(ref SequenceReader<byte> reader, ushort flags) => new()
    {
        ContentType = Has(flags, BasicPropertyFlags.ContentType) ? AmqpWireReader.ReadShortString(ref reader) : null,
        ContentEncoding = Has(flags, BasicPropertyFlags.ContentEncoding) ? AmqpWireReader.ReadShortString(ref reader) : null,
        Headers = Has(flags, BasicPropertyFlags.Headers) ? FieldTableCodec.ReadTable(ref reader) : null,
        DeliveryMode = Has(flags, BasicPropertyFlags.DeliveryMode) ? AmqpWireReader.ReadOctet(ref reader) : null,
        Priority = Has(flags, BasicPropertyFlags.Priority) ? AmqpWireReader.ReadOctet(ref reader) : null,
        CorrelationId = Has(flags, BasicPropertyFlags.CorrelationId) ? AmqpWireReader.ReadShortString(ref reader) : null,
        ReplyTo = Has(flags, BasicPropertyFlags.ReplyTo) ? AmqpWireReader.ReadShortString(ref reader) : null,
        Expiration = Has(flags, BasicPropertyFlags.Expiration) ? AmqpWireReader.ReadShortString(ref reader) : null,
        MessageId = Has(flags, BasicPropertyFlags.MessageId) ? AmqpWireReader.ReadShortString(ref reader) : null,
        Timestamp = Has(flags, BasicPropertyFlags.Timestamp) ? new AmqpTimestamp((long)AmqpWireReader.ReadUInt64(ref reader)) : null,
        Type = Has(flags, BasicPropertyFlags.Type) ? AmqpWireReader.ReadShortString(ref reader) : null,
        UserId = Has(flags, BasicPropertyFlags.UserId) ? AmqpWireReader.ReadShortString(ref reader) : null,
        AppId = Has(flags, BasicPropertyFlags.AppId) ? AmqpWireReader.ReadShortString(ref reader) : null,
        ClusterId = Has(flags, BasicPropertyFlags.ClusterId) ? AmqpWireReader.ReadShortString(ref reader) : null,
    };

    private static bool Has(ushort flags, ushort flag) => (flags & flag) != 0;

    private static int ShortStringSize(string? value) => value is null ? 0 : AmqpWire.ShortStringSize(value);
}
