using System.Buffers.Binary;

namespace Tidings.Examples.HiveSensors;

/// <summary>
/// The 12-byte configuration the system sends a sensor on <c>commands/sensor/&lt;sensor-id&gt;</c>
/// (retained, so a sensor that connects later still gets it), big-endian: distance threshold in
/// mm (u16), reporting interval in seconds (u16), status interval in seconds (u16), events per
/// report (u16) and the configuration id (u32) the sensor echoes in its status.
/// </summary>
public readonly record struct SensorConfiguration(
    ushort DistanceThresholdMillimetres, ushort ReportingIntervalSeconds, ushort StatusIntervalSeconds, ushort EventThreshold, uint ConfigurationId)
{
    public const int Size = 12;

    /// <summary>What a sensor runs before it receives a configuration: five events, 30 minutes.</summary>
    public static SensorConfiguration Default { get; } = new(1500, 30 * 60, 10 * 60, 5, 0);

    public byte[] Encode()
    {
        var bytes = new byte[Size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, DistanceThresholdMillimetres);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], ReportingIntervalSeconds);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], StatusIntervalSeconds);
        BinaryPrimitives.WriteUInt16BigEndian(span[6..], EventThreshold);
        BinaryPrimitives.WriteUInt32BigEndian(span[8..], ConfigurationId);
        return bytes;
    }

    public static bool TryDecode(ReadOnlySpan<byte> bytes, out SensorConfiguration configuration)
    {
        configuration = default;
        if (bytes.Length != Size) return false;
        configuration = new SensorConfiguration(
            BinaryPrimitives.ReadUInt16BigEndian(bytes), BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]), Math.Max((ushort)1, BinaryPrimitives.ReadUInt16BigEndian(bytes[6..])),
            BinaryPrimitives.ReadUInt32BigEndian(bytes[8..]));
        return true;
    }
}
