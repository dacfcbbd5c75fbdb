using System.Threading.Tasks.Sources;

namespace Tidings.Connections.Output;

/// <summary>
/// Wakes one waiting loop, like a <see cref="SemaphoreSlim"/> capped at one permit, but without
/// an allocation per wait: the awaited <see cref="ValueTask"/> is backed by this object, reset
/// after each wake. Any thread may <see cref="Set"/>; only one loop may <see cref="WaitAsync"/>.
/// The waiter's continuation runs on the thread pool, never inline in <see cref="Set"/>, whose
/// callers may hold queue locks.
/// </summary>
public sealed class WakeSignal : IValueTaskSource
{
    /// <summary>Guards the fields below.</summary>
    private readonly Lock _lock = new();
    /// <summary>The reusable completion the waiter awaits; reset under _lock before each wait.</summary>
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    /// <summary>A Set with nobody waiting: the next wait completes at once.</summary>
    private bool _permit;
    /// <summary>A loop is awaiting <see cref="_core"/>.</summary>
    private bool _waiting;
    /// <summary>Set by <see cref="Cancel"/>: every wait from then on fails.</summary>
    private bool _cancelled;

    /// <summary>Wakes the waiter, or lets the next wait pass at once.</summary>
    public void Set()
    {
        lock (_lock)
        {
            if (!_waiting)
            {
                _permit = true;
                return;
            }
            _waiting = false;
        }
        _core.SetResult(true);
    }

    /// <summary>Completes at the next <see cref="Set"/> (or at once if one came since the last wait).</summary>
    /// <exception cref="OperationCanceledException">After <see cref="Cancel"/>.</exception>
    public ValueTask WaitAsync()
    {
        lock (_lock)
        {
            if (_cancelled) throw new OperationCanceledException();
            if (_permit)
            {
                _permit = false;
                return ValueTask.CompletedTask;
            }
            _core.Reset();
            _waiting = true;
        }
        return new ValueTask(this, _core.Version);
    }

    /// <summary>Fails the current and every later wait (the loop is being stopped).</summary>
    public void Cancel()
    {
        lock (_lock)
        {
            _cancelled = true;
            if (!_waiting) return;
            _waiting = false;
        }
        _core.SetException(new OperationCanceledException());
    }

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
