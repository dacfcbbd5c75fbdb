namespace Tidings.Core;

/// <summary>
/// Samples the free space of the data directory's drive every second and holds the "disk" alarm
/// on while it is below <see cref="BrokerOptions.DiskFreeLimitBytes"/>, as RabbitMQ's
/// disk_free_limit: publishers are blocked before the disk fills, not after.
/// </summary>
internal sealed class DiskWatermark : IDisposable
{
    private readonly ITimer _timer;
    private readonly ResourceAlarms _alarms;
    private readonly string _directory;
    private readonly long _limit;
    /// <summary>The state last reported.</summary>
    private bool _low;
    /// <summary>Where an unexpected failure of a sample is reported (the timer must not end the process).</summary>
    private readonly FaultLog? _faults;

    public DiskWatermark(TimeProvider time, ResourceAlarms alarms, string directory, long limitBytes, FaultLog? faults = null)
    {
        _faults = faults;
        _alarms = alarms;
        _directory = directory;
        _limit = limitBytes;
        Sample();
        _timer = time.CreateTimer(static s => ((DiskWatermark)s!).SampleGuarded(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Free bytes on the drive holding the data directory (or its nearest existing parent).</summary>
    public static long FreeBytes(string directory)
    {
        var path = Path.GetFullPath(directory);
        while (!Directory.Exists(path) && Path.GetDirectoryName(path) is { } parent) path = parent;
        return new DriveInfo(path).AvailableFreeSpace;
    }

    private void SampleGuarded()
    {
        try
        {
            Sample();
        }
        catch (Exception e) when (_faults is not null)
        {
            _faults.Report("disk watermark", e);
        }
    }

    private void Sample()
    {
        try
        {
            // Only changes are reported, so the watermark never clears an alarm raised by
            // someone else (the store's writer, an operator, a test).
            bool low = FreeBytes(_directory) < _limit;
            if (low == _low) return;
            _low = low;
            _alarms.Set("disk", low);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            // The drive cannot be queried (e.g. removed); keep the last state rather than flap.
        }
    }

    public void Dispose() => _timer.Dispose();
}
