namespace Tidings.Core.Sessions;

/// <summary>
/// Sessions kept while no connection holds them, by a key the adapter chooses (MQTT: the client
/// id), each until it is taken back or its expiry passes (MQTT's session expiry interval). An
/// expired session is closed: its consumers are cancelled and its unacked deliveries requeued.
/// One per virtual host.
/// </summary>
public sealed class DetachedSessions : IDisposable
{
    private readonly TimeProvider _time;
    /// <summary>Guards <see cref="_kept"/>.</summary>
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Kept> _kept = new(StringComparer.Ordinal);

    private sealed record Kept(Session Session, ITimer? Expiry, Action<Session>? OnExpired);

    internal DetachedSessions(TimeProvider time) => _time = time;

    /// <summary>Sessions kept now.</summary>
    public int Count { get { lock (_lock) return _kept.Count; } }

    /// <summary>
    /// Keeps a detached <paramref name="session"/> under <paramref name="key"/> for
    /// <paramref name="expiry"/> (<see cref="Timeout.InfiniteTimeSpan"/>: until taken or the vhost
    /// goes). A session kept under the same key before is closed. <paramref name="onExpired"/>
    /// runs after an expired session is closed (the adapter removes what belonged to it).
    /// </summary>
    public void Keep(string key, Session session, TimeSpan expiry, Action<Session>? onExpired = null)
    {
        if (!session.IsDetached) throw new BrokerException(BrokerError.NotAllowed, "only a detached session can be kept");
        ITimer? timer = null;
        var kept = new Kept(session, null, onExpired);
        if (expiry != Timeout.InfiniteTimeSpan)
        {
            timer = _time.CreateTimer(static state =>
            {
                var (sessions, key, session) = ((DetachedSessions, string, Session))state!;
                // A timer callback that throws would end the process: the fault is reported instead.
                session.Connection.Broker.Faults.Guard("detached session expiry", (sessions, key, session),
                    static s => s.sessions.Expire(s.key, s.session));
            }, (this, key, session), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            kept = kept with { Expiry = timer };
        }
        Kept? replaced;
        lock (_lock)
        {
            _kept.Remove(key, out replaced);
            _kept[key] = kept;
        }
        // Started after it is stored, so a zero expiry cannot fire before there is anything to expire.
        timer?.Change(expiry < TimeSpan.Zero ? TimeSpan.Zero : expiry, Timeout.InfiniteTimeSpan);
        if (replaced is not null && replaced.Session != session) Close(replaced);
    }

    /// <summary>Takes back the session kept under <paramref name="key"/> (its expiry stops); null when there is none.</summary>
    public Session? Take(string key)
    {
        Kept? kept;
        lock (_lock)
        {
            if (!_kept.Remove(key, out kept)) return null;
        }
        kept.Expiry?.Dispose();
        return kept.Session;
    }

    /// <summary>Closes the session kept under <paramref name="key"/> now (MQTT: a clean start discards it). False when there is none.</summary>
    public bool Discard(string key)
    {
        Kept? kept;
        lock (_lock)
        {
            if (!_kept.Remove(key, out kept)) return false;
        }
        Close(kept);
        return true;
    }

    /// <summary>Closes every kept session (the virtual host is deleted).</summary>
    internal void CloseAll()
    {
        List<Kept> all;
        lock (_lock)
        {
            all = [.. _kept.Values];
            _kept.Clear();
        }
        foreach (var kept in all) Close(kept);
    }

    /// <summary>Stops the expiry timers and leaves the sessions as they are (the broker is shutting down).</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var kept in _kept.Values) kept.Expiry?.Dispose();
        }
    }

    private void Expire(string key, Session session)
    {
        Kept? kept;
        lock (_lock)
        {
            // Taken back, or replaced under the same key, since the timer was set.
            if (!_kept.TryGetValue(key, out kept) || kept.Session != session) return;
            _kept.Remove(key);
        }
        Close(kept);
        if (kept.OnExpired is { } onExpired)
            session.Connection.Broker.Faults.Guard("expired session's clean-up", (onExpired, session), static s => s.onExpired(s.session));
    }

    private static void Close(Kept kept)
    {
        kept.Expiry?.Dispose();
        kept.Session.Close();
    }
}
