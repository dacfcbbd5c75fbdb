using Tidings.Amqp.Protocol;

namespace Tidings.Amqp.Connection;

internal sealed partial class AmqpConnection
{
    /// <summary>True while consumers are paused because the socket is not keeping up.</summary>
    private volatile bool _outputCongested;
    /// <summary>True once the client published: only publishers are blocked by alarms.</summary>
    internal bool HasPublished { get; set; }
    /// <summary>Whether the client was last told blocked. Guarded by _blockedLock.</summary>
    private bool _blockedNotified;
    /// <summary>Serialises blocked/unblocked notices (alarm thread and reader loop).</summary>
    private readonly Lock _blockedLock = new();

    /// <summary>Serialises pausing and resuming deliveries.</summary>
    private readonly Lock _pressureLock = new();

    /// <summary>
    /// Called after a delivery is appended: when too much output is waiting for the socket, the
    /// consumers of this connection stop receiving until it drains (TCP back-pressure reaches
    /// the queues instead of growing our buffer).
    /// </summary>
    internal void CheckOutputPressure()
    {
        if (_outputCongested || Output.PendingBytes <= _options.MaxPendingOutputBytes) return;
        lock (_pressureLock)
        {
            if (_outputCongested) return;
            _outputCongested = true;
            foreach (var session in Core.Sessions) session.SetFlow(false);
        }
        // The writer may have sent everything before the pause took effect; its Drained call
        // would then have found nothing to resume. Check once more so no pause outlives its cause.
        ResumeAfterDrain();
    }

    /// <summary>Runs after every batch the writer sends (and after a pause): resumes below half the limit.</summary>
    private void ResumeAfterDrain()
    {
        if (!_outputCongested || Output.PendingBytes > _options.MaxPendingOutputBytes / 2) return;
        lock (_pressureLock)
        {
            if (!_outputCongested) return;
            _outputCongested = false;
        }
        foreach (var session in Core.Sessions) session.SetFlow(true);
    }

    // ---- resource alarms ----

    private void AttachToAlarms()
    {
        _broker.Alarms.Changed += OnAlarmChanged; // RunAsync unsubscribes when the connection ends
        if (_broker.Alarms.IsBlocked) OnAlarmChanged(true);
    }

    /// <summary>
    /// As RabbitMQ: only connections that publish are blocked (and told so); a pure consumer keeps
    /// draining queues, which is what frees memory. Unblocked goes only to those told blocked.
    /// </summary>
    private void OnAlarmChanged(bool blocked)
    {
        if (_state != State.Open || !ClientHas(ClientCapabilities.ConnectionBlocked)) return;
        if (blocked && !HasPublished) return;
        NotifyBlocked(blocked);
    }

    private void NotifyBlocked(bool blocked)
    {
        lock (_blockedLock)
        {
            if (blocked == _blockedNotified) return;
            _blockedNotified = blocked;
            if (_connection is not null) _connection.Details.Blocked = blocked;
            if (blocked) Send(0, new ConnectionBlocked { Reason = _broker.Alarms.Reason });
            else Send(0, new ConnectionUnblocked());
        }
    }

    /// <summary>True when the client closed its side of the socket; reads nothing.</summary>
    private bool TransportInputEnded()
    {
        if (!_transport.Input.TryRead(out var peek)) return false;
        _transport.Input.AdvanceTo(peek.Buffer.Start);
        return peek.IsCompleted;
    }

    /// <summary>
    /// While an alarm is on, a connection that publishes is not read from, so its publishes
    /// wait in the client and the kernel instead of the broker's memory (RabbitMQ does the same).
    /// </summary>
    private async Task WaitWhileBlockedAsync(CancellationToken cancellation)
    {
        if (!HasPublished || !_broker.Alarms.IsBlocked) return;
        // A connection that started publishing during the alarm is told now.
        if (ClientHas(ClientCapabilities.ConnectionBlocked)) NotifyBlocked(true);
        var cleared = _broker.Alarms.WhenClearAsync();
        while (!cleared.IsCompleted)
        {
            // The client's heartbeats are not read while blocked; don't count that as silence.
            Volatile.Write(ref _lastReadTicks, Environment.TickCount64);
            await Task.WhenAny(cleared, Task.Delay(1000, cancellation)).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
            // A client that left while blocked is noticed now, not when the alarm clears: its
            // channels close and their unacked messages go back to their queues.
            if (TransportInputEnded()) throw new OperationCanceledException("the client left while blocked");
        }
        // Covers an alarm that cleared while the blocked notice was being sent.
        if (ClientHas(ClientCapabilities.ConnectionBlocked)) NotifyBlocked(false);
    }
}
