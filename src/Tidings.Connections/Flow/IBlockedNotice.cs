namespace Tidings.Connections.Flow;

/// <summary>How a protocol tells its client that publishing is blocked by a resource alarm (AMQP: connection.blocked / unblocked).</summary>
public interface IBlockedNotice
{
    /// <summary>Whether this client can be told now (AMQP: the connection is open and the client has the connection.blocked capability).</summary>
    bool CanNotify { get; }

    /// <summary>Tells the client; called at most once per change, serialised by <see cref="AlarmBlocking"/>.</summary>
    void Notify(bool blocked);
}
