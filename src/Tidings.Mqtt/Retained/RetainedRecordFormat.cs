using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Tidings.Mqtt.Protocol;

namespace Tidings.Mqtt.Retained;

/// <summary>
/// The retained log's own binary encoding (no AMQP, no MQTT wire format, so neither codec can change it).
/// File: the 8-byte <see cref="FileHeader"/>, then records. Record: magic u32, body length u32,
/// CRC-32C u32 of (length, body), body. Body: kind byte (1 set, 2 clear), topic, and for a set:
/// qos byte, presence flags byte, stored-at i64 (Unix ms), then the present optional fields
/// (payload format byte, expiry u32, content type, response topic, correlation data), user property
/// count u32 and pairs, payload. Strings and byte strings are u32 length + bytes; integers little-endian.
/// The per-record magic lets recovery find the next record after a damaged one.
/// </summary>
internal static class RetainedRecordFormat
{
    /// <summary>First bytes of a log file: name and format version.</summary>
    public static ReadOnlySpan<byte> FileHeader => "TDRETv01"u8;
    /// <summary>Start of every record ("RETN" read little-endian).</summary>
    public const uint Magic = 0x4E544552;
    /// <summary>Magic + length + CRC.</summary>
    public const int RecordHeaderSize = 12;
    /// <summary>Largest body recovery believes (a length above this is damage, not a record).</summary>
    public const int MaxBodyLength = 512 * 1024 * 1024;

    public const byte KindSet = 1;
    public const byte KindClear = 2;

    private const byte HasPayloadFormat = 1;
    private const byte HasExpiry = 2;
    private const byte HasContentType = 4;
    private const byte HasResponseTopic = 8;
    private const byte HasCorrelation = 16;

    /// <summary>Appends a set record for <paramref name="message"/>; returns its size in bytes.</summary>
    public static int WriteSet(IBufferWriter<byte> output, RetainedMessage message)
    {
        int bodyLength = 1 + StringSize(message.Topic) + 1 + 1 + 8
            + (message.PayloadFormatIndicator is null ? 0 : 1)
            + (message.MessageExpiryInterval is null ? 0 : 4)
            + (message.ContentType is null ? 0 : StringSize(message.ContentType))
            + (message.ResponseTopic is null ? 0 : StringSize(message.ResponseTopic))
            + (message.CorrelationData is { } c ? 4 + c.Length : 0)
            + 4 + 4 + message.Payload.Length;
        foreach (var user in message.UserProperties)
        {
            bodyLength += StringSize(user.Name) + StringSize(user.Value);
        }

        var span = output.GetSpan(RecordHeaderSize + bodyLength)[..(RecordHeaderSize + bodyLength)];
        var body = span[RecordHeaderSize..];
        int at = 0;
        body[at++] = KindSet;
        at += PutString(body[at..], message.Topic);
        body[at++] = (byte)message.Qos;
        byte flags = (byte)((message.PayloadFormatIndicator is null ? 0 : HasPayloadFormat)
            | (message.MessageExpiryInterval is null ? 0 : HasExpiry)
            | (message.ContentType is null ? 0 : HasContentType)
            | (message.ResponseTopic is null ? 0 : HasResponseTopic)
            | (message.CorrelationData is null ? 0 : HasCorrelation));
        body[at++] = flags;
        BinaryPrimitives.WriteInt64LittleEndian(body[at..], message.StoredAt.ToUnixTimeMilliseconds());
        at += 8;
        if (message.PayloadFormatIndicator is { } format) body[at++] = format;
        if (message.MessageExpiryInterval is { } expiry) { BinaryPrimitives.WriteUInt32LittleEndian(body[at..], expiry); at += 4; }
        if (message.ContentType is { } contentType) at += PutString(body[at..], contentType);
        if (message.ResponseTopic is { } responseTopic) at += PutString(body[at..], responseTopic);
        if (message.CorrelationData is { } correlation) at += PutBytes(body[at..], correlation.Span);
        BinaryPrimitives.WriteUInt32LittleEndian(body[at..], (uint)message.UserProperties.Count);
        at += 4;
        foreach (var user in message.UserProperties)
        {
            at += PutString(body[at..], user.Name);
            at += PutString(body[at..], user.Value);
        }

        at += PutBytes(body[at..], message.Payload.Span);
        System.Diagnostics.Debug.Assert(at == bodyLength);
        FinishRecord(span, bodyLength);
        output.Advance(span.Length);
        return span.Length;
    }

    /// <summary>Appends a clear record for <paramref name="topic"/>; returns its size in bytes.</summary>
    public static int WriteClear(IBufferWriter<byte> output, string topic)
    {
        int bodyLength = 1 + StringSize(topic);
        var span = output.GetSpan(RecordHeaderSize + bodyLength)[..(RecordHeaderSize + bodyLength)];
        span[RecordHeaderSize] = KindClear;
        PutString(span[(RecordHeaderSize + 1)..], topic);
        FinishRecord(span, bodyLength);
        output.Advance(span.Length);
        return span.Length;
    }

    /// <summary>
    /// Reads a record header: true when the magic is right and the length plausible (≤ <paramref name="available"/>
    /// bytes after the header); the body's CRC is still to be checked with <see cref="BodyIntact"/>.
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, long available, out int bodyLength, out uint crc)
    {
        bodyLength = 0;
        crc = 0;
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
        {
            return false;
        }

        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        if (length == 0 || length > MaxBodyLength || length > available)
        {
            return false;
        }

        bodyLength = (int)length;
        crc = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
        return true;
    }

    /// <summary>True when <paramref name="body"/> has the CRC its header claims.</summary>
    public static bool BodyIntact(ReadOnlySpan<byte> body, uint crc) => Crc(body.Length, body) == crc;

    /// <summary>
    /// Decodes an intact body: a set gives its message, a clear a null message. False when the body
    /// does not parse (a bug or a CRC collision), which recovery treats as damage.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out string topic, out RetainedMessage? message)
    {
        topic = "";
        message = null;
        try
        {
            int at = 1;
            topic = GetString(body, ref at);
            if (body[0] == KindClear)
            {
                return at == body.Length;
            }

            if (body[0] != KindSet)
            {
                return false;
            }

            var qos = (MqttQos)body[at++];
            byte flags = body[at++];
            var storedAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(body[at..]));
            at += 8;
            byte? format = (flags & HasPayloadFormat) != 0 ? body[at++] : null;
            uint? expiry = null;
            if ((flags & HasExpiry) != 0) { expiry = BinaryPrimitives.ReadUInt32LittleEndian(body[at..]); at += 4; }
            string? contentType = (flags & HasContentType) != 0 ? GetString(body, ref at) : null;
            string? responseTopic = (flags & HasResponseTopic) != 0 ? GetString(body, ref at) : null;
            byte[]? correlation = (flags & HasCorrelation) != 0 ? GetBytes(body, ref at) : null;
            uint userCount = BinaryPrimitives.ReadUInt32LittleEndian(body[at..]);
            at += 4;
            if (userCount > (uint)(body.Length - at) / 8)
            {
                return false;
            }

            var users = new MqttUserProperty[userCount];
            for (int i = 0; i < users.Length; i++)
            {
                string name = GetString(body, ref at);
                users[i] = new MqttUserProperty(name, GetString(body, ref at));
            }

            byte[] payload = GetBytes(body, ref at);
            if (at != body.Length || qos > MqttQos.ExactlyOnce)
            {
                return false;
            }

            message = new RetainedMessage(topic, payload, qos, storedAt)
            {
                PayloadFormatIndicator = format,
                MessageExpiryInterval = expiry,
                ContentType = contentType,
                ResponseTopic = responseTopic,
                CorrelationData = correlation,
                UserProperties = users,
            };
            return true;
        }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return false;
        }
    }

    private static void FinishRecord(Span<byte> record, int bodyLength)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], (uint)bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], Crc(bodyLength, record[RecordHeaderSize..]));
    }

    /// <summary>CRC-32C (Castagnoli, hardware-accelerated by BitOperations) over the length and the body.</summary>
    private static uint Crc(int bodyLength, ReadOnlySpan<byte> body)
    {
        uint crc = BitOperations.Crc32C(0xFFFFFFFFu, (uint)bodyLength);
        while (body.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(body));
            body = body[8..];
        }

        foreach (byte b in body)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return ~crc;
    }

    private static int StringSize(string value) => 4 + Encoding.UTF8.GetByteCount(value);

    private static int PutString(Span<byte> into, string value)
    {
        int length = Encoding.UTF8.GetBytes(value, into[4..]);
        BinaryPrimitives.WriteUInt32LittleEndian(into, (uint)length);
        return 4 + length;
    }

    private static int PutBytes(Span<byte> into, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(into, (uint)value.Length);
        value.CopyTo(into[4..]);
        return 4 + value.Length;
    }

    private static string GetString(ReadOnlySpan<byte> body, ref int at)
    {
        int length = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(body[at..]));
        var value = Encoding.UTF8.GetString(body.Slice(at + 4, length));
        at += 4 + length;
        return value;
    }

    private static byte[] GetBytes(ReadOnlySpan<byte> body, ref int at)
    {
        int length = checked((int)BinaryPrimitives.ReadUInt32LittleEndian(body[at..]));
        var value = body.Slice(at + 4, length).ToArray();
        at += 4 + length;
        return value;
    }
}
