namespace Tidings.Core;

/// <summary>
/// Holds the "memory" alarm on while the process's resident memory is above
/// <see cref="BrokerOptions.MemoryHighWatermarkBytes"/>, as RabbitMQ's vm_memory_high_watermark
/// (which also measures the whole VM, not one heap). Memory is sampled every
/// <see cref="SampleInterval"/> and, between samples, as soon as enough new message memory was
/// allocated (<see cref="OnAllocated"/>), so a storm of large messages cannot run far past the
/// limit before publishers are blocked.
/// </summary>
/// <remarks>
/// Over the limit, the runtime may be holding memory nothing uses any more: garbage not yet
/// collected, free space the GC keeps committed, pooled bodies. Before deciding, the watermark
/// drops the message pool's spare buffers and asks for a collection that returns free memory to
/// the operating system; otherwise a drained broker could stay above its limit, with publishers
/// blocked, only because the GC kept what it once needed. Collections are rate-limited: one at
/// most every <see cref="MinCollectInterval"/>, and each one that left memory over the limit
/// (queues really hold that much) doubles the wait up to <see cref="MaxCollectInterval"/>, unless
/// memory grows again by an eighth of the limit.
/// </remarks>
internal sealed class MemoryWatermark : IDisposable, IThreadPoolWorkItem
{
    public static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MinCollectInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxCollectInterval = TimeSpan.FromSeconds(4);

    private readonly ITimer _timer;
    private readonly TimeProvider _time;
    private readonly ResourceAlarms _alarms;
    private readonly IProcessMemory _memory;
    /// <summary>Its spare buffers are dropped before a collection; null in tests that have none.</summary>
    private readonly Messages.MessagePool? _pool;
    private readonly long _limit;
    /// <summary>New message memory that triggers a sample before the timer's next one: 1/32 of the limit, at least 1 MiB.</summary>
    private readonly long _nudgeBytes;
    /// <summary>Serialises samples: the timer's and nudged ones may overlap. Never taken on the message path.</summary>
    private readonly Lock _sampleLock = new();
    /// <summary>The state last reported. Guarded by _sampleLock.</summary>
    private bool _high;
    /// <summary>No collection before this time. Guarded by _sampleLock.</summary>
    private DateTimeOffset _nextCollect = DateTimeOffset.MinValue;
    /// <summary>When the last collection ran. Guarded by _sampleLock.</summary>
    private DateTimeOffset _lastCollect = DateTimeOffset.MinValue;
    /// <summary>Resident bytes right after the last collection. Guarded by _sampleLock.</summary>
    private long _residentAfterCollect;
    /// <summary>Wait after the next collection that does not bring memory under the limit. Guarded by _sampleLock.</summary>
    private TimeSpan _collectBackoff = MinCollectInterval;
    /// <summary>The allocation counter when the last background collection was started. Guarded by _sampleLock.</summary>
    private long _allocatedAtBackgroundCollect;
    /// <summary>Bytes allocated for messages since the last sample; interlocked (any publishing thread adds).</summary>
    private long _allocatedSinceSample;
    /// <summary>1 while a nudged sample is queued on the thread pool; interlocked.</summary>
    private int _nudgeQueued;
    private volatile bool _disposed;
    /// <summary>Where a failing sample is reported: the timer and the thread pool must not see it.</summary>
    private readonly FaultLog? _faults;

    public MemoryWatermark(TimeProvider time, ResourceAlarms alarms, long limitBytes,
        IProcessMemory? memory = null, Messages.MessagePool? pool = null, FaultLog? faults = null)
    {
        _faults = faults;
        _time = time;
        _alarms = alarms;
        _limit = limitBytes;
        _memory = memory ?? new ProcessMemory();
        _pool = pool;
        _nudgeBytes = Math.Max(limitBytes / 32, 1024 * 1024);
        _timer = time.CreateTimer(static w => ((MemoryWatermark)w!).SampleGuarded(), this, SampleInterval, SampleInterval);
    }

    /// <summary>Collections asked of the runtime so far, for tests and diagnostics.</summary>
    public int Collections { get; private set; }

    /// <summary>Background collections started near the limit, for tests and diagnostics.</summary>
    public int BackgroundCollections { get; private set; }

    /// <summary>The resident bytes read by the last sample.</summary>
    public long LastResidentBytes { get; private set; }

    /// <summary>
    /// Called where new memory for message bodies is allocated (not when a pooled buffer is
    /// reused, so the steady message path never gets here). Costs one interlocked add; every
    /// 1/32 of the limit it queues one sample on the thread pool without allocating.
    /// </summary>
    public void OnAllocated(long bytes)
    {
        if (Interlocked.Add(ref _allocatedSinceSample, bytes) < _nudgeBytes) return;
        if (Interlocked.Exchange(ref _nudgeQueued, 1) != 0) return;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    void IThreadPoolWorkItem.Execute()
    {
        Volatile.Write(ref _nudgeQueued, 0);
        SampleGuarded();
    }

    /// <summary>The timer's and the thread pool's entry: a fault (e.g. /proc unreadable) is reported, the last state kept.</summary>
    private void SampleGuarded()
    {
        try
        {
            Sample();
        }
        catch (Exception e) when (_faults is not null)
        {
            _faults.Report("memory watermark", e);
        }
    }

    /// <summary>Reads memory and turns the alarm on or off; the timer and nudges call it.</summary>
    internal void Sample()
    {
        if (_disposed) return;
        lock (_sampleLock)
        {
            Interlocked.Exchange(ref _allocatedSinceSample, 0);
            long used = _memory.ResidentBytes();
            if (used > _limit - _limit / 4) CollectGarbageNearTheLimit();
            if (used > _limit)
            {
                var now = _time.GetUtcNow();
                // Memory that grew since the last collection may be garbage (e.g. the buffers of
                // consumers draining a backlog), so growth ends the back-off.
                if (used - _residentAfterCollect > _limit / 8) _nextCollect = _lastCollect + MinCollectInterval;
                if (now >= _nextCollect)
                {
                    _pool?.Trim();
                    _memory.ReleaseUnusedMemory();
                    Collections++;
                    used = _memory.ResidentBytes();
                    _lastCollect = now;
                    _residentAfterCollect = used;
                    // Memory that stays over the limit after a collection is really in use
                    // (queued messages): collecting again soon would only cost pauses.
                    _nextCollect = now + _collectBackoff;
                    _collectBackoff = used > _limit
                        ? TimeSpan.FromTicks(Math.Min(_collectBackoff.Ticks * 2, MaxCollectInterval.Ticks))
                        : MinCollectInterval;
                }
            }
            else
            {
                _collectBackoff = MinCollectInterval;
            }
            LastResidentBytes = used;
            bool high = used > _limit;
            // Only changes are reported, so the watermark never clears an alarm raised by someone else.
            // Reported under the lock so two overlapping samples cannot report out of order; the
            // alarm's handlers never call back into the watermark.
            if (high == _high) return;
            _high = high;
            _alarms.Set("memory", high);
        }
    }

    /// <summary>
    /// Near the limit, garbage left to the GC's own schedule grows the heap: its budget for
    /// large objects scales with what survives, so with a queue full of large messages it lets
    /// the heap nearly double before it collects (the overshoot seen while consumers drained a
    /// backlog: read-back copies, delivered bodies, output buffers). A background collection
    /// every sixteenth of the limit of new allocation lets that space be reused instead, without a
    /// long pause. Called under _sampleLock.
    /// </summary>
    private void CollectGarbageNearTheLimit()
    {
        long allocated = _memory.AllocatedBytes();
        if (allocated - _allocatedAtBackgroundCollect < _limit / 16) return;
        _allocatedAtBackgroundCollect = allocated;
        _memory.CollectInBackground();
        BackgroundCollections++;
    }

    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
    }
}
