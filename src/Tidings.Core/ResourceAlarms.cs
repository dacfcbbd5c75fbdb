namespace Tidings.Core;

/// <summary>
/// Resource alarms (memory, disk) that make the broker stop accepting published messages until
/// they clear, as RabbitMQ's memory and disk alarms do. Adapters watch <see cref="Changed"/> to
/// block publishers (AMQP connection.blocked, then no more reads from the socket).
/// </summary>
public sealed class ResourceAlarms
{
    /// <summary>Where a failing <see cref="Changed"/> handler is reported; it must not stop the others or the sampler.</summary>
    private readonly FaultLog? _faults;

    /// <summary>Creates the alarms; <paramref name="faults"/> receives exceptions of <see cref="Changed"/> handlers.</summary>
    public ResourceAlarms(FaultLog? faults = null)
    {
        _faults = faults;
    }

    /// <summary>Guards <see cref="_active"/> and <see cref="_cleared"/>.</summary>
    private readonly Lock _lock = new();
    private readonly HashSet<string> _active = new(StringComparer.Ordinal);
    /// <summary>Completed when the last alarm clears; replaced when one is raised.</summary>
    private TaskCompletionSource _cleared = NewCleared(completed: true);

    /// <summary>Raised with the new state: true when the first alarm went on, false when the last went off.</summary>
    public event Action<bool>? Changed;

    /// <summary>True while any alarm is on. Lock-free: readers check it once per packet.</summary>
    public bool IsBlocked => _blocked;

    /// <summary>Mirrors "any alarm on", written under <see cref="_lock"/>.</summary>
    private volatile bool _blocked;

    /// <summary>
    /// The resources with an alarm on, e.g. "memory", "disk". Several sources may raise an alarm
    /// for one resource ("disk" by the watermark, "disk:store" by the store's writer); each
    /// resource is listed once.
    /// </summary>
    public IReadOnlyCollection<string> Active { get { lock (_lock) return [.. _active.Select(ResourceOf).Distinct().Order()]; } }

    /// <summary>A reason text for clients, e.g. "low on memory".</summary>
    public string Reason => string.Join(" & ", Active.Select(a => $"low on {a}"));

    private static string ResourceOf(string alarm) => alarm.Split(':')[0];

    /// <summary>Turns an alarm on or off.</summary>
    public void Set(string alarm, bool on)
    {
        bool? changed = null;
        lock (_lock)
        {
            bool wasBlocked = _active.Count > 0;
            if (on) _active.Add(alarm); else _active.Remove(alarm);
            bool blocked = _active.Count > 0;
            if (blocked == wasBlocked) return;
            _blocked = blocked;
            if (blocked) _cleared = NewCleared(completed: false);
            else _cleared.TrySetResult();
            changed = blocked;
        }
        NotifyChanged(changed.Value);
    }

    /// <summary>
    /// Tells every handler, each on its own: the alarm is set from timer threads (the watermarks),
    /// where one adapter's failing handler would otherwise end the process.
    /// </summary>
    private void NotifyChanged(bool blocked)
    {
        if (Changed is not { } handlers) return;
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<bool>)handler)(blocked);
            }
            catch (Exception e) when (_faults is not null)
            {
                _faults.Report("resource alarm handler", e);
            }
        }
    }

    /// <summary>Completes when no alarm is on.</summary>
    public Task WhenClearAsync()
    {
        lock (_lock) return _cleared.Task;
    }

    private static TaskCompletionSource NewCleared(bool completed)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) tcs.SetResult();
        return tcs;
    }
}
