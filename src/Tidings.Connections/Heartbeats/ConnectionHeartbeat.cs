using Tidings.Core;

namespace Tidings.Connections.Heartbeats;

/// <summary>
/// One tick for the heartbeats, handshake deadlines and idle trimming of every connection of
/// every listener, on the broker's <see cref="TimeProvider"/> (as Kestrel's
/// <c>Internal/Infrastructure/Heartbeat.cs</c> serves all of Kestrel's connections). A timer and
/// a loop per connection would cost every idle connection memory and wake the process twice a
/// second per connection; this wakes it twice a second in all. Each connection's check is
/// guarded: a fault is reported to <see cref="Broker.Faults"/>, that connection alone is dropped
/// and the tick goes on for the others. The server registers one per broker; a connection made
/// without one (benchmarks, fuzzing) makes its own.
/// </summary>
public sealed class ConnectionHeartbeat : IDisposable
{
    /// <summary>How often every connection is looked at; heartbeat intervals are whole seconds.</summary>
    public static readonly TimeSpan DefaultTick = TimeSpan.FromMilliseconds(500);

    /// <summary>Guards <see cref="_connections"/>; held while adding, removing or copying, never during a check.</summary>
    private readonly Lock _lock = new();
    /// <summary>The connections looked at each tick.</summary>
    private readonly HashSet<IHeartbeatChecked> _connections = [];
    /// <summary>Reused by the tick (ticks do not overlap: the timer is re-armed after each).</summary>
    private IHeartbeatChecked[] _snapshot = [];
    /// <summary>Where the tick's time comes from: the broker's clock.</summary>
    private readonly TimeProvider _time;
    /// <summary>Timestamp the clock counts from, so <see cref="Now"/> starts near 0.</summary>
    private readonly long _origin;
    /// <summary>Where a failed check is reported.</summary>
    private readonly FaultLog _faults;
    /// <summary>Interval between ticks.</summary>
    private readonly TimeSpan _tick;
    /// <summary>The one timer; re-armed at the end of each tick.</summary>
    private readonly ITimer _timer;
    /// <summary>Milliseconds since <see cref="_origin"/> at the last tick (or at creation); interlocked.</summary>
    private long _now;

    /// <summary>A heartbeat on the broker's clock, reporting to its fault log.</summary>
    public ConnectionHeartbeat(Broker broker)
        : this(broker.Time, broker.Faults)
    {
    }

    /// <summary>A heartbeat on <paramref name="time"/> that reports failed checks to <paramref name="faults"/>.</summary>
    public ConnectionHeartbeat(TimeProvider time, FaultLog faults, TimeSpan? tick = null)
    {
        _time = time;
        _faults = faults;
        _tick = tick ?? DefaultTick;
        _origin = time.GetTimestamp();
        _timer = time.CreateTimer(static s => ((ConnectionHeartbeat)s!).OnTick(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(_tick, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Milliseconds on the broker's monotonic clock as of the last tick: cheap enough to stamp
    /// every frame read or written with, and exact to one tick, which is all heartbeats need.
    /// </summary>
    public long Now => Interlocked.Read(ref _now);

    /// <summary>Number of connections looked at each tick.</summary>
    public int Count
    {
        get { lock (_lock) return _connections.Count; }
    }

    /// <summary>Looks at <paramref name="connection"/> from the next tick on.</summary>
    public void Add(IHeartbeatChecked connection)
    {
        lock (_lock) _connections.Add(connection);
    }

    /// <summary>Stops looking at <paramref name="connection"/> (it closed).</summary>
    public void Remove(IHeartbeatChecked connection)
    {
        lock (_lock) _connections.Remove(connection);
    }

    private void OnTick()
    {
        CheckAll();
        try
        {
            _timer.Change(_tick, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The server stopped.
        }
    }

    /// <summary>One tick: advances <see cref="Now"/> and checks every connection, each behind its own guard.</summary>
    internal void CheckAll()
    {
        long now = (long)_time.GetElapsedTime(_origin).TotalMilliseconds;
        Interlocked.Exchange(ref _now, now);
        int count;
        lock (_lock)
        {
            count = _connections.Count;
            if (_snapshot.Length < count) _snapshot = new IHeartbeatChecked[Math.Max(count, _snapshot.Length * 2)];
            _connections.CopyTo(_snapshot);
        }
        for (int i = 0; i < count; i++)
        {
            var connection = _snapshot[i];
            _snapshot[i] = null!;
            try
            {
                connection.CheckHeartbeat(now);
            }
            catch (Exception e)
            {
                // One connection's fault must neither stop the tick for the others nor end the process.
                Dropped(connection, e);
            }
        }
    }

    private void Dropped(IHeartbeatChecked connection, Exception error)
    {
        string where;
        try
        {
            where = $"{connection.Description}: heartbeat check";
        }
        catch (Exception)
        {
            where = "connection: heartbeat check";
        }
        _faults.Report(where, error);
        try
        {
            connection.HeartbeatFailed(error);
        }
        catch (Exception e)
        {
            _faults.Report($"{where} (dropping the connection)", e);
        }
        Remove(connection);
    }

    /// <summary>Stops the tick.</summary>
    public void Dispose() => _timer.Dispose();
}
