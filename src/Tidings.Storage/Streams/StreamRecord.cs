using System.Buffers.Binary;

namespace Tidings.Storage.Streams;

/// <summary>
/// One record of a stream segment: the <see cref="RecordFormat"/> header (length, CRC32C), then the
/// offset (int64), the append timestamp (int64, Unix ms) and the <see cref="Records.MessageRecord"/>
/// payload. The checksum covers offset, timestamp and message, so a record copied to the wrong
/// place or half written is caught as surely as a flipped bit.
/// </summary>
internal static class StreamRecord
{
    /// <summary>Framing header plus offset and timestamp: the bytes before the message.</summary>
    public const int Overhead = RecordFormat.HeaderSize + 16;

    /// <summary>Writes a whole record of <paramref name="message"/> into <paramref name="destination"/> (exactly <see cref="Overhead"/> + its length).</summary>
    public static void Write(Span<byte> destination, long offset, long timestampMs, ReadOnlySpan<byte> message)
    {
        var body = destination[RecordFormat.HeaderSize..];
        BinaryPrimitives.WriteInt64BigEndian(body, offset);
        BinaryPrimitives.WriteInt64BigEndian(body[8..], timestampMs);
        message.CopyTo(body[16..]);
        RecordFormat.WriteHeader(destination, body);
    }

    /// <summary>The record's total size (header included) from its first <see cref="RecordFormat.HeaderSize"/> bytes; -1 when the length cannot be a stream record.</summary>
    public static long SizeOf(ReadOnlySpan<byte> header)
    {
        var (length, _) = RecordFormat.ReadHeader(header);
        if (length < 16 || length > RecordFormat.MaxPayload) return -1;
        return RecordFormat.HeaderSize + (long)length;
    }

    /// <summary>Checks a whole record's checksum and reads its offset and timestamp; false when damaged.</summary>
    public static bool TryParse(ReadOnlySpan<byte> record, out long offset, out long timestampMs)
    {
        offset = timestampMs = 0;
        if (record.Length < Overhead || SizeOf(record) != record.Length) return false;
        var (_, crc) = RecordFormat.ReadHeader(record);
        var body = record[RecordFormat.HeaderSize..];
        if (RecordFormat.Checksum(body) != crc) return false;
        offset = BinaryPrimitives.ReadInt64BigEndian(body);
        timestampMs = BinaryPrimitives.ReadInt64BigEndian(body[8..]);
        return true;
    }

    /// <summary>The message bytes of a record already checked by <see cref="TryParse"/>.</summary>
    public static ReadOnlySpan<byte> MessageOf(ReadOnlySpan<byte> record) => record[Overhead..];
}
