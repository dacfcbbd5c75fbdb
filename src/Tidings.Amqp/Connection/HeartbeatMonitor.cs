namespace Tidings.Amqp.Connection;

/// <summary>
/// One timer for the heartbeats and handshake deadlines of many connections. A timer and a
/// loop per connection would cost every idle connection memory and wake the process twice a
/// second per connection; this wakes it twice a second in all. Owned by the listener
/// (<see cref="AmqpConnectionHandler"/>); connections made without one get their own.
/// </summary>
internal sealed class HeartbeatMonitor : IDisposable
{
    /// <summary>How often every connection is looked at; heartbeat intervals are whole seconds.</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(500);

    /// <summary>Guards <see cref="_connections"/>; held while adding, removing or copying, never during a check.</summary>
    private readonly Lock _lock = new();
    private readonly HashSet<IHeartbeatChecked> _connections = [];
    /// <summary>Reused by the timer callback (callbacks do not overlap: the timer is re-armed after each).</summary>
    private IHeartbeatChecked[] _snapshot = [];
    private readonly Timer _timer;

    public HeartbeatMonitor()
    {
        _timer = new Timer(static s => ((HeartbeatMonitor)s!).CheckAll(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _timer.Change(Tick, Timeout.InfiniteTimeSpan);
    }

    public void Add(IHeartbeatChecked connection)
    {
        lock (_lock) _connections.Add(connection);
    }

    public void Remove(IHeartbeatChecked connection)
    {
        lock (_lock) _connections.Remove(connection);
    }

    private void CheckAll()
    {
        int count;
        lock (_lock)
        {
            count = _connections.Count;
            if (_snapshot.Length < count) _snapshot = new IHeartbeatChecked[Math.Max(count, _snapshot.Length * 2)];
            _connections.CopyTo(_snapshot);
        }
        long now = Environment.TickCount64;
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
                connection.HeartbeatFailed(e);
            }
        }
        try
        {
            _timer.Change(Tick, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The listener stopped.
        }
    }

    public void Dispose() => _timer.Dispose();
}
