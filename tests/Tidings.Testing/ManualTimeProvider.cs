namespace Tidings.Testing;

/// <summary>
/// A clock that only moves when a test says so. <see cref="Advance"/> fires every timer that
/// falls due on the way, synchronously on the caller's thread, in due order (ties in the order
/// they were armed), including timers that callbacks arm or re-arm while time advances.
/// A timer armed for "now" or earlier fires on the next <see cref="Advance"/>, never inside
/// <see cref="ITimer.Change"/>: the broker arms timers with its locks held.
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    /// <summary>Guards <see cref="_now"/>, <see cref="_timers"/> and every timer's schedule.</summary>
    private readonly Lock _lock = new();
    /// <summary>Timers not yet disposed, armed or not.</summary>
    private readonly List<ManualTimer> _timers = [];
    /// <summary>The current time.</summary>
    private DateTimeOffset _now;
    /// <summary>Increases each time a timer is armed, to order timers that fall due together.</summary>
    private long _armSequence;
    /// <summary>True when <see cref="GetTimestamp"/> follows the manual time (code timing itself with GetElapsedTime).</summary>
    private readonly bool _timestampsFollowClock;

    /// <summary>
    /// Starts at <paramref name="start"/>, or at 2024-01-01T00:00:00Z. The monotonic timestamp stays
    /// the system's unless <paramref name="timestampsFollowClock"/> makes it move with the manual time
    /// (for code that measures intervals with GetTimestamp, such as the connection heartbeat).
    /// </summary>
    public ManualTimeProvider(DateTimeOffset? start = null, bool timestampsFollowClock = false)
    {
        _now = start ?? new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        _timestampsFollowClock = timestampsFollowClock;
    }

    /// <inheritdoc />
    public override long TimestampFrequency => _timestampsFollowClock ? TimeSpan.TicksPerSecond : base.TimestampFrequency;

    /// <inheritdoc />
    public override long GetTimestamp()
    {
        if (!_timestampsFollowClock) return base.GetTimestamp();
        lock (_lock) return _now.UtcTicks;
    }

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock) return _now;
    }

    /// <inheritdoc />
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        lock (_lock) _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing due timers one by one at their due times.</summary>
    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_lock) target = _now + delta;
        while (true)
        {
            ManualTimer? next = null;
            lock (_lock)
            {
                foreach (var timer in _timers)
                {
                    if (timer.DueAt is not { } due || due > target) continue;
                    if (next is null || due < next.DueAt || (due == next.DueAt && timer.ArmedAt < next.ArmedAt)) next = timer;
                }
                if (next is null)
                {
                    _now = target;
                    return;
                }
                if (next.DueAt > _now) _now = next.DueAt!.Value;
                // Periodic timers re-arm before the callback runs, as System.Threading.Timer does.
                if (next.Period > TimeSpan.Zero) Arm(next, _now + next.Period, next.Period);
                else next.DueAt = null;
            }
            // Outside our lock: the callback takes broker locks and may arm timers itself.
            next.Callback(next.State);
        }
    }

    /// <summary>Moves the clock forward by <paramref name="milliseconds"/>.</summary>
    public void AdvanceMs(long milliseconds) => Advance(TimeSpan.FromMilliseconds(milliseconds));

    /// <summary>Caller holds <see cref="_lock"/>.</summary>
    private void Arm(ManualTimer timer, DateTimeOffset dueAt, TimeSpan period)
    {
        timer.DueAt = dueAt;
        timer.Period = period;
        timer.ArmedAt = ++_armSequence;
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;
        public object? State { get; } = state;
        /// <summary>When the timer fires next; null when disarmed. Guarded by the owner's lock.</summary>
        public DateTimeOffset? DueAt { get; set; }
        public TimeSpan Period { get; set; }
        public long ArmedAt { get; set; }
        /// <summary>Set once by Dispose; a disposed timer ignores Change. Guarded by the owner's lock.</summary>
        private bool _disposed;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock)
            {
                if (_disposed) return false;
                if (dueTime == Timeout.InfiniteTimeSpan)
                {
                    DueAt = null;
                    return true;
                }
                ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
                owner.Arm(this, owner._now + dueTime, period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period);
                return true;
            }
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                _disposed = true;
                DueAt = null;
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
