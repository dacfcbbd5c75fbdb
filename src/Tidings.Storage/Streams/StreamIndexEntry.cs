using System.Buffers.Binary;

namespace Tidings.Storage.Streams;

/// <summary>
/// One entry of a segment's sparse index (<c>.idx</c>): a record's offset, timestamp and byte
/// position in the segment. Entries come every <see cref="Spacing"/> bytes of records, so a seek
/// reads at most that much past the entry it finds.
/// </summary>
internal readonly record struct StreamIndexEntry(long Offset, long TimestampMs, long Position)
{
    /// <summary>Bytes of records between two entries (at least; an entry is always a record's start).</summary>
    public const int Spacing = 4096;

    /// <summary>Size of an entry in the file: three big-endian int64.</summary>
    public const int Size = 24;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteInt64BigEndian(destination, Offset);
        BinaryPrimitives.WriteInt64BigEndian(destination[8..], TimestampMs);
        BinaryPrimitives.WriteInt64BigEndian(destination[16..], Position);
    }

    public static StreamIndexEntry Read(ReadOnlySpan<byte> source) => new(
        BinaryPrimitives.ReadInt64BigEndian(source),
        BinaryPrimitives.ReadInt64BigEndian(source[8..]),
        BinaryPrimitives.ReadInt64BigEndian(source[16..]));
}
