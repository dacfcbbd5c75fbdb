using System.Buffers.Binary;

namespace Tidings.Examples.HiveSensors;

/// <summary>
/// The 20-byte status message a sensor sends every status interval, big-endian: uptime in
/// seconds (u32), battery in mV (u16), temperature in tenths of a degree (i16), signal in dBm
/// (i8), firmware major.minor.patch (3 × u8), the configuration id it runs (u16), reports sent
/// since start-up (u32) and sensing errors (u16).
/// </summary>
public readonly record struct SensorStatus(
    uint UptimeSeconds, ushort BatteryMillivolts, short TemperatureDeciCelsius, sbyte SignalDbm,
    byte FirmwareMajor, byte FirmwareMinor, byte FirmwarePatch, ushort ConfigurationId, uint ReportsSent, ushort Errors)
{
    public const int Size = 20;

    public byte[] Encode()
    {
        var bytes = new byte[Size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, UptimeSeconds);
        BinaryPrimitives.WriteUInt16BigEndian(span[4..], BatteryMillivolts);
        BinaryPrimitives.WriteInt16BigEndian(span[6..], TemperatureDeciCelsius);
        span[8] = (byte)SignalDbm;
        span[9] = FirmwareMajor;
        span[10] = FirmwareMinor;
        span[11] = FirmwarePatch;
        BinaryPrimitives.WriteUInt16BigEndian(span[12..], ConfigurationId);
        BinaryPrimitives.WriteUInt32BigEndian(span[14..], ReportsSent);
        BinaryPrimitives.WriteUInt16BigEndian(span[18..], Errors);
        return bytes;
    }

    public static bool TryDecode(ReadOnlySpan<byte> bytes, out SensorStatus status)
    {
        status = default;
        if (bytes.Length != Size) return false;
        status = new SensorStatus(
            BinaryPrimitives.ReadUInt32BigEndian(bytes), BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]),
            BinaryPrimitives.ReadInt16BigEndian(bytes[6..]), (sbyte)bytes[8], bytes[9], bytes[10], bytes[11],
            BinaryPrimitives.ReadUInt16BigEndian(bytes[12..]), BinaryPrimitives.ReadUInt32BigEndian(bytes[14..]),
            BinaryPrimitives.ReadUInt16BigEndian(bytes[18..]));
        return true;
    }
}
