namespace Tidings.Amqp.Connection;

/// <summary>What the <see cref="HeartbeatMonitor"/> looks at every tick: an AMQP connection (or a test's stand-in).</summary>
internal interface IHeartbeatChecked
{
    /// <summary>Sends a heartbeat or drops a silent peer; <paramref name="now"/> is Environment.TickCount64.</summary>
    void CheckHeartbeat(long now);

    /// <summary><see cref="CheckHeartbeat"/> threw: report it and drop this connection alone.</summary>
    void HeartbeatFailed(Exception error);
}
