namespace Tidings.Connections.Heartbeats;

/// <summary>What the <see cref="ConnectionHeartbeat"/> looks at every tick: a connection of any protocol (or a test's stand-in).</summary>
public interface IHeartbeatChecked
{
    /// <summary>Names the connection in a fault report ("AMQP connection from 127.0.0.1:50000"); read only when a check failed.</summary>
    string Description { get; }

    /// <summary>
    /// Sends a heartbeat, drops a silent peer, enforces a handshake deadline, trims idle buffers.
    /// <paramref name="now"/> is <see cref="ConnectionHeartbeat.Now"/>. Runs on the tick: must not block.
    /// </summary>
    void CheckHeartbeat(long now);

    /// <summary><see cref="CheckHeartbeat"/> threw (already reported to the broker's fault log): drop this connection alone.</summary>
    void HeartbeatFailed(Exception error);
}
