namespace Tidings.Connections.Tests;

/// <summary>
/// A clock that moves only when the test says so, for the heartbeat: its timestamp is the
/// manual time (the core tests' ManualTimeProvider keeps the system timestamp), and timers fire
/// on <see cref="Advance"/>, on the caller's thread.
/// </summary>
internal sealed class SteppedClock : TimeProvider
{
    /// <summary>Guards _now and _timers.</summary>
    private readonly Lock _lock = new();
    /// <summary>Timers created, live or disposed.</summary>
    private readonly List<SteppedTimer> _timers = [];
    /// <summary>Elapsed time in ticks.</summary>
    private long _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp()
    {
        lock (_lock) return _now;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new SteppedTimer(this, callback, state);
        lock (_lock) _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves time on, firing each timer that falls due (one-shot timers re-armed by their callback fire again if due).</summary>
    public void Advance(TimeSpan delta)
    {
        long end;
        lock (_lock) end = _now + delta.Ticks;
        while (true)
        {
            SteppedTimer? next;
            lock (_lock)
            {
                next = _timers.Where(t => t.Due is { } d && d <= end).MinBy(t => t.Due);
                if (next is null)
                {
                    _now = end;
                    return;
                }
                _now = Math.Max(_now, next.Due!.Value);
                next.Due = null;
            }
            next.Fire();
        }
    }

    private sealed class SteppedTimer(SteppedClock owner, TimerCallback callback, object? state) : ITimer
    {
        /// <summary>When it fires next (ticks), or null when not armed; guarded by the owner's lock.</summary>
        public long? Due;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._lock) Due = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime.Ticks;
            return true;
        }

        public void Dispose()
        {
            lock (owner._lock)
            {
                Due = null;
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
