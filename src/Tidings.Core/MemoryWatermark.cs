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

    public MemoryWatermark(TimeProvider time, ResourceAlarms alarms, long limitBytes)
    {
        _alarms = alarms;
        _limit = limitBytes;
        _timer = time.CreateTimer(_ => Sample(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    private void Sample()
    {
        long used = GC.GetTotalMemory(forceFullCollection: false);
        _alarms.Set("memory", used > _limit);
    }

    public void Dispose() => _timer.Dispose();
}
