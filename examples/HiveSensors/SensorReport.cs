using System.Buffers.Binary;

namespace Tidings.Examples.HiveSensors;

/// <summary>
/// The 16-byte people-count report of a presence sensor, big-endian as the device sends it:
/// entries and exits since the last report (2 × u16), since start-up (2 × u16), the device's
/// date and time (year u16, month, day, hour, minute, second) and the <see cref="ReportType"/>.
/// </summary>
public readonly record struct SensorReport(
    ushort EntriesSinceLast, ushort ExitsSinceLast, ushort EntriesTotal, ushort ExitsTotal, DateTime Time, ReportType Type)
{
    public const int Size = 16;

    /// <summary>People inside according to this sensor since its start-up.</summary>
    public int Occupancy => EntriesTotal - ExitsTotal;

    public byte[] Encode()
    {
        var bytes = new byte[Size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, EntriesSinceLast);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], ExitsSinceLast);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], EntriesTotal);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], ExitsTotal);
        BinaryPrimitives.WriteUInt16BigEndian(span[8..], (ushort)Time.Year);
        span[10] = (byte)Time.Month;
        span[11] = (byte)Time.Day;
        span[12] = (byte)Time.Hour;
        span[13] = (byte)Time.Minute;
        span[14] = (byte)Time.Second;
        span[15] = (byte)Type;
        return bytes;
    }

    /// <summary>Decodes a report; a payload of another length or with an impossible date is refused.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out SensorReport report)
    {
        report = default;
        if (bytes.Length != Size || !Enum.IsDefined((ReportType)bytes[15])) return false;
        try
        {
            var time = new DateTime(BinaryPrimitives.ReadUInt16BigEndian(bytes[8..]), bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], DateTimeKind.Utc);
            report = new SensorReport(
                BinaryPrimitives.ReadUInt16BigEndian(bytes), BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
                BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[6..]),
                time, (ReportType)bytes[15]);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
