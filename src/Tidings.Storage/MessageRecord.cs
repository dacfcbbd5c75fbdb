using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Tidings.Amqp.Protocol;
using Tidings.Core.Messages;

namespace Tidings.Storage;

/// <summary>
/// A persistent message as a log record: version octet, exchange and routing key (uint16 length +
/// UTF-8), the properties as an AMQP content header (uint32 length + bytes), then the body.
/// </summary>
internal static class MessageRecord
{
    private const byte Version = 1;

    /// <summary>Encodes into a buffer from <paramref name="pool"/>; the record is the first <paramref name="length"/> bytes.</summary>
    public static byte[] Encode(Message message, ArrayPool<byte> pool, out int length)
    {
        int exchangeBytes = Encoding.UTF8.GetByteCount(message.Exchange);
        int keyBytes = Encoding.UTF8.GetByteCount(message.RoutingKey);
        int headerBytes = ContentHeaderCodec.GetSize(message.Properties);
        length = 1 + 2 + exchangeBytes + 2 + keyBytes + 4 + headerBytes + message.Body.Length;
        var buffer = pool.Rent(length);
        var span = buffer.AsSpan(0, length);
        span[0] = Version;
        int at = 1;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)exchangeBytes);
        at += 2 + Encoding.UTF8.GetBytes(message.Exchange, span[(at + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)keyBytes);
        at += 2 + Encoding.UTF8.GetBytes(message.RoutingKey, span[(at + 2)..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[at..], (uint)headerBytes);
        at += 4 + ContentHeaderCodec.WriteTo(span[(at + 4)..], (ulong)message.Body.Length, message.Properties);
        message.Body.Span.CopyTo(span[at..]);
        return buffer;
    }

    public static Message Decode(ReadOnlyMemory<byte> record)
    {
        var span = record.Span;
        if (span.Length < 9 || span[0] != Version) throw new InvalidDataException($"unknown message record version {(span.Length > 0 ? span[0] : -1)}");
        int at = 1;
        int exchangeBytes = BinaryPrimitives.ReadUInt16BigEndian(span[at..]);
        string exchange = Encoding.UTF8.GetString(span.Slice(at + 2, exchangeBytes));
        at += 2 + exchangeBytes;
        int keyBytes = BinaryPrimitives.ReadUInt16BigEndian(span[at..]);
        string routingKey = Encoding.UTF8.GetString(span.Slice(at + 2, keyBytes));
        at += 2 + keyBytes;
        int headerBytes = (int)BinaryPrimitives.ReadUInt32BigEndian(span[at..]);
        var header = ContentHeaderCodec.Read(new ReadOnlySequence<byte>(record.Slice(at + 4, headerBytes)));
        at += 4 + headerBytes;
        return new Message(exchange, routingKey, header.Properties, record[at..]);
    }
}
