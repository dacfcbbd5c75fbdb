using Tidings.Amqp.Protocol;
using Tidings.Connections.Flow;

namespace Tidings.Amqp.Connection;

/// <summary>
/// What of flow control is AMQP's: pausing means <c>Session.SetFlow</c> on every channel's
/// session, a blocked publisher is told with connection.blocked / unblocked. When to pause and
/// resume, and when to stop reading a publisher, is the toolkit's
/// (<see cref="OutputPressure"/>, <see cref="AlarmBlocking"/>).
/// </summary>
internal sealed partial class AmqpConnection : IDeliveryFlow, IBlockedNotice
{
    /// <summary>True once the client published: only publishers are blocked by alarms.</summary>
    internal bool HasPublished
    {
        get => _alarmBlocking.HasPublished;
        set => _alarmBlocking.HasPublished = value;
    }

    /// <summary>
    /// Called after a delivery is appended (under the delivering queue's and session's locks):
    /// pauses this connection's consumers when too much output waits for the socket. Resuming
    /// happens on the writer loop, never here; see <see cref="OutputPressure"/>.
    /// </summary>
    internal void CheckOutputPressure() => _pressure.Check();

    /// <summary>Only flips each session's flag: this runs under queue and session locks.</summary>
    void IDeliveryFlow.PauseDeliveries()
    {
        foreach (var session in Core.Sessions) session.SetFlow(false);
    }

    /// <summary>Runs on the writer loop with no broker lock held; SetFlow(true) dispatches the sessions' queues.</summary>
    void IDeliveryFlow.ResumeDeliveries()
    {
        foreach (var session in Core.Sessions) session.SetFlow(true);
    }

    // ---- resource alarms ----

    /// <summary>As RabbitMQ: told only while open, and only to clients with the connection.blocked capability.</summary>
    bool IBlockedNotice.CanNotify => _state == State.Open && ClientHas(ClientCapabilities.ConnectionBlocked);

    void IBlockedNotice.Notify(bool blocked)
    {
        if (_connection is not null) _connection.Details.Blocked = blocked;
        if (blocked) Send(0, new ConnectionBlocked { Reason = _broker.Alarms.Reason });
        else Send(0, new ConnectionUnblocked());
    }

    /// <summary>
    /// While an alarm is on, a connection that publishes is not read from (<see cref="AlarmBlocking"/>);
    /// the client's heartbeats are not read meanwhile, which must not count as silence.
    /// </summary>
    private Task WaitWhileBlockedAsync(CancellationToken cancellation) =>
        _alarmBlocking.WaitWhileBlockedAsync(_keepAlive, cancellation);
}
