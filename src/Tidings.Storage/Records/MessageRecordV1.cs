using System.Globalization;
using System.Text;
using Tidings.Core.Messages;

namespace Tidings.Storage.Records;

/// <summary>
/// Reads record format v1, written until issue 11: version octet 1, exchange and routing key
/// (uint16 length + UTF-8), the properties as an AMQP 0-9-1 basic content header (uint32 length +
/// bytes), then the body. Decode only: new records are v2. The content header is read here, not
/// by the AMQP adapter, so storage needs no protocol library; the mapping to the neutral model is
/// the one the AMQP adapter made when v1 was written.
/// </summary>
internal static class MessageRecordV1
{
    public const byte Version = 1;

    // Basic property flags (AMQP 0-9-1 §4.2.6.1, class 60), highest bit first, in wire order.
    private const ushort ContentType = 0x8000;
    private const ushort ContentEncoding = 0x4000;
    private const ushort Headers = 0x2000;
    private const ushort DeliveryMode = 0x1000;
    private const ushort Priority = 0x0800;
    private const ushort CorrelationId = 0x0400;
    private const ushort ReplyTo = 0x0200;
    private const ushort Expiration = 0x0100;
    private const ushort MessageId = 0x0080;
    private const ushort Timestamp = 0x0040;
    private const ushort Type = 0x0020;
    private const ushort UserId = 0x0010;
    private const ushort AppId = 0x0008;
    private const ushort ClusterId = 0x0004;
    /// <summary>Bit 0: another flag word follows.</summary>
    private const ushort Continuation = 0x0001;

    /// <summary>delivery_mode 2 is persistent; 1 (and anything else) transient.</summary>
    private const byte PersistentDeliveryMode = 2;

    /// <summary>Class id, weight and body size: the bytes before the property flags.</summary>
    private const int ContentHeaderPrefix = 12;

    /// <exception cref="InvalidDataException">The record or its content header is malformed.</exception>
    public static Message Read(ReadOnlyMemory<byte> record)
    {
        var reader = new RecordReader(record);
        if (reader.ReadByte() != Version) throw new InvalidDataException("not a v1 message record");
        string exchange = ReadShortLengthString(ref reader);
        string routingKey = ReadShortLengthString(ref reader);
        int headerLength = reader.ReadLength();
        var header = record.Slice(reader.Position, headerLength);
        reader.Take(headerLength);
        // v1 kept no absolute expiry: the queue counts a TTL from recovery (MessageQueue.Recover).
        return new Message(exchange, routingKey, ReadContentHeader(header), reader.Rest());
    }

    private static string ReadShortLengthString(ref RecordReader reader) => Encoding.UTF8.GetString(reader.Take(reader.ReadUInt16()));

    /// <summary>
    /// A basic content header's properties. The flags and properties are also kept as the native
    /// AMQP encoding, as the adapter did when the message was published, so an AMQP consumer gets
    /// the publisher's bytes back (cluster_id included).
    /// </summary>
    private static MessageProperties ReadContentHeader(ReadOnlyMemory<byte> header)
    {
        var reader = new RecordReader(header);
        reader.Take(ContentHeaderPrefix);
        ushort flags = reader.ReadUInt16();
        for (ushort more = flags; (more & Continuation) != 0;) more = reader.ReadUInt16();
        if ((flags & ~Continuation) == 0) return MessageProperties.Empty;
        var native = new NativeEncoding(NativeEncoding.Amqp091, header[ContentHeaderPrefix..]);
        var properties = new MessageProperties
        {
            ContentType = Has(flags, ContentType) ? ReadShortString(ref reader) : null,
            ContentEncoding = Has(flags, ContentEncoding) ? ReadShortString(ref reader) : null,
            Headers = Has(flags, Headers) ? MessageHeaders.From(AmqpFieldTableV1.ReadTable(ref reader, depth: 0)) : null,
            Durable = Has(flags, DeliveryMode) ? reader.ReadByte() == PersistentDeliveryMode : null,
            Priority = Has(flags, Priority) ? reader.ReadByte() : null,
            CorrelationId = Has(flags, CorrelationId) ? ReadShortString(ref reader) : null,
            ReplyTo = Has(flags, ReplyTo) ? ReadShortString(ref reader) : null,
            TimeToLiveMs = Has(flags, Expiration) ? ParseExpiration(ReadShortString(ref reader)) : null,
            MessageId = Has(flags, MessageId) ? ReadShortString(ref reader) : null,
            // Seconds past what milliseconds can count are clamped, not wrapped.
            TimestampMs = Has(flags, Timestamp) ? (long)Math.Min(reader.ReadUInt64(), (ulong)(long.MaxValue / 1000)) * 1000 : null,
            Type = Has(flags, Type) ? ReadShortString(ref reader) : null,
            UserId = Has(flags, UserId) ? ReadShortString(ref reader) : null,
            AppId = Has(flags, AppId) ? ReadShortString(ref reader) : null,
            Native = native,
        };
        // cluster_id has no neutral place: it lives on in the native bytes only.
        if (Has(flags, ClusterId)) ReadShortString(ref reader);
        if (reader.Remaining != 0) throw new InvalidDataException($"{reader.Remaining} bytes after the content header's properties");
        return properties;
    }

    /// <summary>An AMQP shortstr: one length octet, then UTF-8.</summary>
    internal static string ReadShortString(ref RecordReader reader) => Encoding.UTF8.GetString(reader.Take(reader.ReadByte()));

    /// <summary>AMQP's expiration, a non-negative decimal string of milliseconds (checked when it was published).</summary>
    private static long ParseExpiration(string expiration) =>
        expiration.Length > 0 && long.TryParse(expiration, NumberStyles.None, CultureInfo.InvariantCulture, out long ttl)
            ? ttl
            : throw new InvalidDataException($"expiration '{expiration}' is not a number of milliseconds");

    private static bool Has(ushort flags, ushort flag) => (flags & flag) != 0;
}
