using System.Buffers.Binary;
using System.Numerics;

namespace Tidings.Storage;

/// <summary>
/// The on-disk framing of one record: payload length (uint32, big-endian), CRC32C of the payload
/// (uint32), then the payload. The checksum catches torn and corrupted writes; the length lets
/// recovery walk the file without an index.
/// </summary>
internal static class RecordFormat
{
    public const int HeaderSize = 8;

    /// <summary>Largest payload accepted (keeps a corrupt length from asking for gigabytes).</summary>
    public const int MaxPayload = 512 * 1024 * 1024;

    public static void WriteHeader(Span<byte> header, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], Checksum(payload));
    }

    public static (int Length, uint Crc) ReadHeader(ReadOnlySpan<byte> header) =>
        ((int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(header), int.MaxValue), BinaryPrimitives.ReadUInt32BigEndian(header[4..]));

    /// <summary>CRC32C with the hardware instruction where there is one (BitOperations.Crc32C).</summary>
    public static uint Checksum(ReadOnlySpan<byte> payload)
    {
        uint crc = 0xFFFFFFFF;
        while (payload.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(payload));
            payload = payload[8..];
        }
        foreach (byte b in payload) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
