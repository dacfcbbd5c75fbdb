namespace Tidings.Examples.HiveSensors;

/// <summary>Why a sensor sent a report (the last byte of <see cref="SensorReport"/>).</summary>
public enum ReportType : byte
{
    /// <summary>Every <see cref="SensorConfiguration.EventThreshold"/> events (five unless configured).</summary>
    Events = 0xFF,
    /// <summary>Every reporting interval (30 minutes unless configured), events or not.</summary>
    Periodic = 0x20,
    /// <summary>Once after power-up; the totals start again from zero.</summary>
    StartUp = 0x21,
}
