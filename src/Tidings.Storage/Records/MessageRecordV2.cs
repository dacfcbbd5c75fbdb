using Tidings.Core.Messages;

namespace Tidings.Storage.Records;

/// <summary>
/// Record format v2: the protocol-neutral message. Version octet 2, a uint32 of presence flags,
/// exchange and routing key, the absolute expiry when set, each present property in flag order,
/// the headers as typed values (<see cref="RecordValues"/>), the publisher's native encoding, then
/// the body to the record's end. docs/STORAGE.md gives it byte by byte.
/// </summary>
internal static class MessageRecordV2
{
    public const byte Version = 2;

    // Presence flags, one per optional field, in the order the fields follow. On disk: only add.
    private const uint ContentType = 1 << 0;
    private const uint ContentEncoding = 1 << 1;
    private const uint Headers = 1 << 2;
    private const uint Durable = 1 << 3;
    private const uint Priority = 1 << 4;
    private const uint CorrelationId = 1 << 5;
    private const uint CorrelationData = 1 << 6;
    private const uint ReplyTo = 1 << 7;
    private const uint TimeToLive = 1 << 8;
    private const uint MessageId = 1 << 9;
    private const uint Timestamp = 1 << 10;
    private const uint Type = 1 << 11;
    private const uint UserId = 1 << 12;
    private const uint AppId = 1 << 13;
    private const uint Native = 1 << 14;
    private const uint ExpiresAt = 1 << 15;
    private const uint Known = (1u << 16) - 1;

    /// <summary>The record's size: everything is measured before anything is written, so one buffer fits exactly.</summary>
    /// <exception cref="ArgumentException">A header value cannot be stored (see <see cref="RecordValues.GetSize"/>).</exception>
    public static int GetSize(Message message)
    {
        var p = message.Properties;
        int size = 1 + 4 + RecordWriter.StringSize(message.Exchange) + RecordWriter.StringSize(message.RoutingKey);
        if (message.ExpiresAtMs != long.MaxValue) size += 8;
        size += OptionalStringSize(p.ContentType) + OptionalStringSize(p.ContentEncoding);
        if (p.Headers is { } headers) size += RecordValues.GetHeadersSize(headers, depth: 0);
        if (p.Durable is not null) size += 1;
        if (p.Priority is not null) size += 1;
        size += OptionalStringSize(p.CorrelationId);
        if (p.CorrelationData is { } data) size += 4 + data.Length;
        size += OptionalStringSize(p.ReplyTo);
        if (p.TimeToLiveMs is not null) size += 8;
        size += OptionalStringSize(p.MessageId);
        if (p.TimestampMs is not null) size += 8;
        size += OptionalStringSize(p.Type) + OptionalStringSize(p.UserId) + OptionalStringSize(p.AppId);
        if (p.Native is { } native) size += RecordWriter.StringSize(native.Protocol) + 4 + native.Bytes.Length;
        return size + message.Body.Length;
    }

    /// <summary>Writes the record into <paramref name="destination"/> (at least <see cref="GetSize"/> bytes); returns its length.</summary>
    public static int Write(Span<byte> destination, Message message)
    {
        var p = message.Properties;
        var writer = new RecordWriter(destination);
        writer.WriteByte(Version);
        writer.WriteUInt32(FlagsOf(message));
        writer.WriteString(message.Exchange);
        writer.WriteString(message.RoutingKey);
        if (message.ExpiresAtMs != long.MaxValue) writer.WriteInt64(message.ExpiresAtMs);
        if (p.ContentType is { } contentType) writer.WriteString(contentType);
        if (p.ContentEncoding is { } contentEncoding) writer.WriteString(contentEncoding);
        if (p.Headers is { } headers) RecordValues.WriteHeaders(ref writer, headers, depth: 0);
        if (p.Durable is { } durable) writer.WriteByte(durable ? (byte)1 : (byte)0);
        if (p.Priority is { } priority) writer.WriteByte(priority);
        if (p.CorrelationId is { } correlationId) writer.WriteString(correlationId);
        if (p.CorrelationData is { } data) writer.WriteBytes(data);
        if (p.ReplyTo is { } replyTo) writer.WriteString(replyTo);
        if (p.TimeToLiveMs is { } ttl) writer.WriteInt64(ttl);
        if (p.MessageId is { } messageId) writer.WriteString(messageId);
        if (p.TimestampMs is { } timestamp) writer.WriteInt64(timestamp);
        if (p.Type is { } type) writer.WriteString(type);
        if (p.UserId is { } userId) writer.WriteString(userId);
        if (p.AppId is { } appId) writer.WriteString(appId);
        if (p.Native is { } native)
        {
            writer.WriteString(native.Protocol);
            writer.WriteBytes(native.Bytes.Span);
        }
        writer.WriteRaw(message.Body.Span);
        return writer.Position;
    }

    /// <summary>Reads a v2 record; the body and native bytes are slices of <paramref name="record"/>, not copies.</summary>
    /// <exception cref="InvalidDataException">The record is truncated, names unknown fields or holds an unknown value type.</exception>
    public static Message Read(ReadOnlyMemory<byte> record)
    {
        var reader = new RecordReader(record);
        if (reader.ReadByte() != Version) throw new InvalidDataException("not a v2 message record");
        uint flags = reader.ReadUInt32();
        if ((flags & ~Known) != 0) throw new InvalidDataException($"message record flags 0x{flags:X8} name fields this version does not know");
        string exchange = reader.ReadString();
        string routingKey = reader.ReadString();
        long expiresAtMs = Has(flags, ExpiresAt) ? reader.ReadInt64() : long.MaxValue;
        var properties = (flags & ~ExpiresAt) == 0 ? MessageProperties.Empty : new MessageProperties
        {
            // Object initialisers run in order: the fields are read as they were written.
            ContentType = Has(flags, ContentType) ? reader.ReadString() : null,
            ContentEncoding = Has(flags, ContentEncoding) ? reader.ReadString() : null,
            Headers = Has(flags, Headers) ? RecordValues.ReadHeaders(ref reader, depth: 0) : null,
            Durable = Has(flags, Durable) ? reader.ReadByte() != 0 : null,
            Priority = Has(flags, Priority) ? reader.ReadByte() : null,
            CorrelationId = Has(flags, CorrelationId) ? reader.ReadString() : null,
            CorrelationData = Has(flags, CorrelationData) ? reader.ReadBytes() : null,
            ReplyTo = Has(flags, ReplyTo) ? reader.ReadString() : null,
            TimeToLiveMs = Has(flags, TimeToLive) ? reader.ReadInt64() : null,
            MessageId = Has(flags, MessageId) ? reader.ReadString() : null,
            TimestampMs = Has(flags, Timestamp) ? reader.ReadInt64() : null,
            Type = Has(flags, Type) ? reader.ReadString() : null,
            UserId = Has(flags, UserId) ? reader.ReadString() : null,
            AppId = Has(flags, AppId) ? reader.ReadString() : null,
            Native = Has(flags, Native) ? new NativeEncoding(reader.ReadString(), reader.ReadBytesShared()) : null,
        };
        var body = reader.Rest();
        return expiresAtMs == long.MaxValue
            ? new Message(exchange, routingKey, properties, body)
            : Message.Restored(exchange, routingKey, properties, body, expiresAtMs);
    }

    private static uint FlagsOf(Message message)
    {
        var p = message.Properties;
        uint flags = 0;
        if (p.ContentType is not null) flags |= ContentType;
        if (p.ContentEncoding is not null) flags |= ContentEncoding;
        if (p.Headers is not null) flags |= Headers;
        if (p.Durable is not null) flags |= Durable;
        if (p.Priority is not null) flags |= Priority;
        if (p.CorrelationId is not null) flags |= CorrelationId;
        if (p.CorrelationData is not null) flags |= CorrelationData;
        if (p.ReplyTo is not null) flags |= ReplyTo;
        if (p.TimeToLiveMs is not null) flags |= TimeToLive;
        if (p.MessageId is not null) flags |= MessageId;
        if (p.TimestampMs is not null) flags |= Timestamp;
        if (p.Type is not null) flags |= Type;
        if (p.UserId is not null) flags |= UserId;
        if (p.AppId is not null) flags |= AppId;
        if (p.Native is not null) flags |= Native;
        if (message.ExpiresAtMs != long.MaxValue) flags |= ExpiresAt;
        return flags;
    }

    private static bool Has(uint flags, uint flag) => (flags & flag) != 0;

    private static int OptionalStringSize(string? value) => value is null ? 0 : RecordWriter.StringSize(value);
}
