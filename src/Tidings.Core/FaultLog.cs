namespace Tidings.Core;

/// <summary>
/// Faults caught at the broker's entry points: timer callbacks, thread-pool loops and deliveries
/// to a consumer. The guard that catches a fault reports it here once, closes at most what it
/// belongs to (a consumer, a connection) and the broker carries on; nothing that enters the
/// broker on its own thread may end the process. The server writes every report to its log.
/// </summary>
public sealed class FaultLog
{
    /// <summary>Faults reported so far. Interlocked.</summary>
    private long _count;

    /// <summary>Faults reported since the broker started.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Raised for each fault with where it was caught (e.g. "queue 'q' in vhost '/': TTL timer").</summary>
    public event Action<string, Exception>? Reported;

    /// <summary>Records a fault a guard caught. Never throws.</summary>
    public void Report(string where, Exception error)
    {
        Interlocked.Increment(ref _count);
        try
        {
            Reported?.Invoke(where, error);
        }
        catch (Exception)
        {
            // A failing log must not turn a contained fault into an uncontained one.
        }
    }

    /// <summary>Runs <paramref name="action"/>; an exception is reported instead of escaping.</summary>
    /// <returns>False when it threw.</returns>
    public bool Guard<TState>(string where, TState state, Action<TState> action)
    {
        try
        {
            action(state);
            return true;
        }
        catch (Exception e)
        {
            Report(where, e);
            return false;
        }
    }
}
