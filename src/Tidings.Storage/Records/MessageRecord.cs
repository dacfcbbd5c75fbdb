using System.Buffers;
using Tidings.Core.Messages;

namespace Tidings.Storage.Records;

/// <summary>
/// A persistent message as a log record payload. The first octet is the format version: new
/// records are written as v2 (<see cref="MessageRecordV2"/>, the protocol-neutral message); v1
/// records (<see cref="MessageRecordV1"/>, an AMQP content header inside) are still read.
/// </summary>
internal static class MessageRecord
{
    /// <summary>Encodes into a buffer from <paramref name="pool"/>; the record is the first <paramref name="length"/> bytes.</summary>
    /// <exception cref="ArgumentException">A header value cannot be stored.</exception>
    public static byte[] Encode(Message message, ArrayPool<byte> pool, out int length)
    {
        int size = MessageRecordV2.GetSize(message);
        var buffer = pool.Rent(size);
        length = MessageRecordV2.Write(buffer.AsSpan(0, size), message);
        return buffer;
    }

    /// <summary>The message in a record of any version this code knows.</summary>
    /// <exception cref="InvalidDataException">Empty, an unknown version, or malformed.</exception>
    public static Message Decode(ReadOnlyMemory<byte> record)
    {
        if (record.IsEmpty) throw new InvalidDataException("empty message record");
        return record.Span[0] switch
        {
            MessageRecordV2.Version => MessageRecordV2.Read(record),
            MessageRecordV1.Version => MessageRecordV1.Read(record),
            var version => throw new InvalidDataException($"unknown message record version {version}"),
        };
    }
}
