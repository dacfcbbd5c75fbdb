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
        long propertiesStart = reader.Consumed;
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

        if ((flags & ~BasicPropertyFlags.Continuation) == 0)
        {
            AmqpWireReader.EnsureEnd(ref reader, "content header");
            return new ContentHeader(classId, weight, bodySize, MessageProperties.Empty);
        }

        // The encoded flags and properties are kept as they came: an AMQP consumer gets them back
        // byte for byte (cluster_id and delivery_mode 1 included), others read the neutral fields.
        var native = new NativeEncoding(NativeEncoding.Amqp091, payload.Slice(propertiesStart).ToArray());
        var properties = ReadProperties(ref reader, flags, native);
        AmqpWireReader.EnsureEnd(ref reader, "content header");
        return new ContentHeader(classId, weight, bodySize, properties);
    }

    /// <summary>True when <paramref name="properties"/> are written as they were received from an AMQP client.</summary>
    private static bool IsNative(MessageProperties properties, out ReadOnlyMemory<byte> encoded)
    {
        if (properties.Native is { Protocol: NativeEncoding.Amqp091 } native)
        {
            encoded = native.Bytes;
            return true;
        }
        encoded = default;
        return false;
    }

    /// <summary>The headers an AMQP consumer sees: the message's, plus binary correlation data that has no place in correlation_id.</summary>
    private static MessageHeaders? HeadersOf(MessageProperties properties)
    {
        if (properties.CorrelationData is not { } data || properties.CorrelationId is not null) return properties.Headers;
        return (properties.Headers ?? MessageHeaders.Empty).With(BinaryCorrelationHeader, data);
    }

    /// <summary>Where binary correlation data (MQTT 5) goes in AMQP, as RabbitMQ puts it.</summary>
    public const string BinaryCorrelationHeader = "x-correlation-id";

    /// <summary>The property flags <paramref name="properties"/> is written with (every property present).</summary>
    public static ushort GetFlags(MessageProperties properties)
    {
        if (IsNative(properties, out var encoded)) return (ushort)((encoded.Span[0] << 8) | encoded.Span[1]);
        ushort flags = 0;
        if (properties.ContentType is not null) flags |= BasicPropertyFlags.ContentType;
        if (properties.ContentEncoding is not null) flags |= BasicPropertyFlags.ContentEncoding;
        if (properties.Headers is not null || properties.CorrelationData is not null && properties.CorrelationId is null)
            flags |= BasicPropertyFlags.Headers;
        if (properties.Durable is not null) flags |= BasicPropertyFlags.DeliveryMode;
        if (properties.Priority is not null) flags |= BasicPropertyFlags.Priority;
        if (properties.CorrelationId is not null) flags |= BasicPropertyFlags.CorrelationId;
        if (properties.ReplyTo is not null) flags |= BasicPropertyFlags.ReplyTo;
        if (properties.TimeToLiveMs is not null) flags |= BasicPropertyFlags.Expiration;
        if (properties.MessageId is not null) flags |= BasicPropertyFlags.MessageId;
        if (properties.TimestampMs is not null) flags |= BasicPropertyFlags.Timestamp;
        if (properties.Type is not null) flags |= BasicPropertyFlags.Type;
        if (properties.UserId is not null) flags |= BasicPropertyFlags.UserId;
        if (properties.AppId is not null) flags |= BasicPropertyFlags.AppId;
        return flags;
    }

    /// <summary>The exact payload size of a basic content header carrying <paramref name="properties"/>.</summary>
    /// <exception cref="ArgumentException">A string property is longer than 255 UTF-8 bytes, or a header value has no encoding.</exception>
    public static int GetSize(MessageProperties properties)
    {
        if (IsNative(properties, out var encoded)) return MinimumSize - 2 + encoded.Length;
        int size = MinimumSize;
        size += ShortStringSize(properties.ContentType);
        size += ShortStringSize(properties.ContentEncoding);
        size += HeadersOf(properties) is { } headers ? FieldTableCodec.GetHeadersSize(headers, depth: 0) : 0;
        size += properties.Durable is null ? 0 : 1;
        size += properties.Priority is null ? 0 : 1;
        size += ShortStringSize(properties.CorrelationId);
        size += ShortStringSize(properties.ReplyTo);
        size += properties.TimeToLiveMs is { } ttl ? 1 + DigitCount(ttl) : 0;
        size += ShortStringSize(properties.MessageId);
        size += properties.TimestampMs is null ? 0 : 8;
        size += ShortStringSize(properties.Type);
        size += ShortStringSize(properties.UserId);
        size += ShortStringSize(properties.AppId);
        return size;
    }

    /// <summary>Writes a basic (class 60) content header payload; returns the bytes written (<see cref="GetSize"/>).</summary>
    public static int WriteTo(Span<byte> destination, ulong bodySize, MessageProperties properties)
    {
        var writer = new AmqpSpanWriter(destination);
        writer.WriteUInt16(BasicClassId);
        writer.WriteUInt16(0); // weight
        writer.WriteUInt64(bodySize);
        if (IsNative(properties, out var encoded))
        {
            encoded.Span.CopyTo(destination[writer.Position..]);
            return writer.Position + encoded.Length;
        }
        writer.WriteUInt16(GetFlags(properties));
        if (properties.ContentType is { } contentType) writer.WriteShortString(contentType);
        if (properties.ContentEncoding is { } contentEncoding) writer.WriteShortString(contentEncoding);
        if (HeadersOf(properties) is { } headers) FieldTableCodec.WriteHeaders(ref writer, headers, depth: 0);
        if (properties.Durable is { } durable) writer.WriteOctet(durable ? PersistentDeliveryMode : TransientDeliveryMode);
        if (properties.Priority is { } priority) writer.WriteOctet(priority);
        if (properties.CorrelationId is { } correlationId) writer.WriteShortString(correlationId);
        if (properties.ReplyTo is { } replyTo) writer.WriteShortString(replyTo);
        if (properties.TimeToLiveMs is { } ttl) WriteDecimalShortString(ref writer, ttl);
        if (properties.MessageId is { } messageId) writer.WriteShortString(messageId);
        if (properties.TimestampMs is { } timestamp) writer.WriteUInt64((ulong)Math.Max(0, timestamp / 1000));
        if (properties.Type is { } type) writer.WriteShortString(type);
        if (properties.UserId is { } userId) writer.WriteShortString(userId);
        if (properties.AppId is { } appId) writer.WriteShortString(appId);
        return writer.Position;
    }

    /// <summary>Writes a basic (class 60) content header payload into one span of <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ulong bodySize, MessageProperties properties)
    {
        int size = GetSize(properties);
        writer.Advance(WriteTo(writer.GetSpan(size), bodySize, properties));
    }

    /// <summary>delivery_mode values: 1 transient, 2 persistent (any other value reads as transient).</summary>
    private const byte TransientDeliveryMode = 1;
    private const byte PersistentDeliveryMode = 2;

    /// <summary>
    /// Decodes the present properties, in wire order, into the neutral model. AMQP's expiration
    /// (a decimal string) becomes a TTL in ms, its timestamp (seconds) milliseconds; cluster_id has
    /// no neutral place and lives on in <paramref name="native"/> only.
    /// </summary>
    /// <exception cref="Tidings.Core.BrokerException">The expiration is not a TTL RabbitMQ accepts (406).</exception>
    private static MessageProperties ReadProperties(ref SequenceReader<byte> reader, ushort flags, NativeEncoding native)
    {
        string? contentType = Has(flags, BasicPropertyFlags.ContentType) ? AmqpWireReader.ReadShortString(ref reader) : null;
        string? contentEncoding = Has(flags, BasicPropertyFlags.ContentEncoding) ? AmqpWireReader.ReadShortString(ref reader) : null;
        var headers = Has(flags, BasicPropertyFlags.Headers) ? FieldTableCodec.ReadHeaders(ref reader) : null;
        byte? deliveryMode = Has(flags, BasicPropertyFlags.DeliveryMode) ? AmqpWireReader.ReadOctet(ref reader) : null;
        byte? priority = Has(flags, BasicPropertyFlags.Priority) ? AmqpWireReader.ReadOctet(ref reader) : null;
        string? correlationId = Has(flags, BasicPropertyFlags.CorrelationId) ? AmqpWireReader.ReadShortString(ref reader) : null;
        string? replyTo = Has(flags, BasicPropertyFlags.ReplyTo) ? AmqpWireReader.ReadShortString(ref reader) : null;
        string? expiration = Has(flags, BasicPropertyFlags.Expiration) ? AmqpWireReader.ReadShortString(ref reader) : null;
        string? messageId = Has(flags, BasicPropertyFlags.MessageId) ? AmqpWireReader.ReadShortString(ref reader) : null;
        ulong? timestamp = Has(flags, BasicPropertyFlags.Timestamp) ? AmqpWireReader.ReadUInt64(ref reader) : null;
        string? type = Has(flags, BasicPropertyFlags.Type) ? AmqpWireReader.ReadShortString(ref reader) : null;
        string? userId = Has(flags, BasicPropertyFlags.UserId) ? AmqpWireReader.ReadShortString(ref reader) : null;
        string? appId = Has(flags, BasicPropertyFlags.AppId) ? AmqpWireReader.ReadShortString(ref reader) : null;
        if (Has(flags, BasicPropertyFlags.ClusterId)) AmqpWireReader.ReadShortString(ref reader);
        return new MessageProperties
        {
            ContentType = contentType,
            ContentEncoding = contentEncoding,
            Headers = headers,
            Durable = deliveryMode is { } mode ? mode == PersistentDeliveryMode : null,
            Priority = priority,
            CorrelationId = correlationId,
            ReplyTo = replyTo,
            TimeToLiveMs = Tidings.Core.Limits.BrokerLimits.ParseExpiration(expiration),
            MessageId = messageId,
            // Seconds past what milliseconds can count (year 292 million) are clamped, not wrapped.
            TimestampMs = timestamp is { } seconds ? (long)Math.Min(seconds, (ulong)(long.MaxValue / 1000)) * 1000 : null,
            Type = type,
            UserId = userId,
            AppId = appId,
            Native = native,
        };
    }

    private static bool Has(ushort flags, ushort flag) => (flags & flag) != 0;

    private static int ShortStringSize(string? value) => value is null ? 0 : AmqpWire.ShortStringSize(value);

    private static int DigitCount(long value)
    {
        int digits = 1;
        for (long rest = value / 10; rest > 0; rest /= 10) digits++;
        return digits;
    }

    /// <summary>Writes a non-negative number as a decimal short string (AMQP expiration) without making a string.</summary>
    private static void WriteDecimalShortString(ref AmqpSpanWriter writer, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out int length, default, System.Globalization.CultureInfo.InvariantCulture);
        writer.WriteShortString(digits[..length]);
    }
}
