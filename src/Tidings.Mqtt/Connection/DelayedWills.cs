using Tidings.Core;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// 5.0 wills waiting out their Will Delay Interval, by session key. A new connection to the
/// session before the delay has passed cancels its will [MQTT-3.1.3-9]; a clean start ends the
/// old session, which sends it at once. Kept in memory: a will still waiting when the broker
/// stops is not sent.
/// </summary>
internal sealed class DelayedWills(TimeProvider time, FaultLog faults)
{
    private readonly FaultLog _faults = faults;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (ITimer Timer, Action Publish)> _waiting = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="publish"/> after <paramref name="delay"/> unless the session's next connection comes first.</summary>
    public void Schedule(string key, TimeSpan delay, Action publish)
    {
        var timer = time.CreateTimer(static s =>
        {
            var (wills, key) = ((DelayedWills, string))s!;
            // A timer callback: whatever the publish throws is contained, never the process's end.
            wills._faults.Guard("MQTT delayed will", wills.Take(key), static publish => publish?.Invoke());
        }, (this, key), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (_lock)
        {
            if (_waiting.Remove(key, out var replaced)) replaced.Timer.Dispose();
            _waiting[key] = (timer, publish);
        }
        // Armed once registered, so a zero delay cannot fire before it can be found.
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The session has a new connection: its will is not sent.</summary>
    public void Cancel(string key) => Take(key);

    /// <summary>The session ended (clean start): its will is sent now.</summary>
    public void SendNow(string key) => Take(key)?.Invoke();

    private Action? Take(string key)
    {
        lock (_lock)
        {
            if (!_waiting.Remove(key, out var waiting)) return null;
            waiting.Timer.Dispose();
            return waiting.Publish;
        }
    }
}
