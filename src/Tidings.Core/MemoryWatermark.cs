namespace Tidings.Core;

/// <summary>
/// Samples the process's memory every second and holds the "memory" alarm on while it is above
/// <see cref="BrokerOptions.MemoryHighWatermarkBytes"/>, as RabbitMQ's vm_memory_high_watermark.
/// </summary>
internal sealed class MemoryWatermark : IDisposable
{
    private readonly ITimer _timer;
    private readonly ResourceAlarms _alarms;
    private readonly long _limit;
    /// <summary>The state last reported.</summary>
    private bool _high;

    public MemoryWatermark(TimeProvider time, ResourceAlarms alarms, long limitBytes)
    {
        _alarms = alarms;
        _limit = limitBytes;
        _timer = time.CreateTimer(_ => Sample(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void Sample()
    {
        // Only changes are reported, so the watermark never clears an alarm raised by someone else.
        bool high = GC.GetTotalMemory(forceFullCollection: false) > _limit;
        if (high == _high) return;
        _high = high;
        _alarms.Set("memory", high);
    }

    public void Dispose() => _timer.Dispose();
}
