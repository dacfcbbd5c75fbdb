using System.IO.Pipelines;
using Tidings.Core;

namespace Tidings.Connections.Flow;

/// <summary>
/// Resource-alarm blocking of one connection, as RabbitMQ does it for every protocol: while a
/// memory or disk alarm is on, a connection that has published is not read from, so its
/// publishes wait in the client and the kernel instead of the broker's memory; a pure consumer
/// keeps draining queues, which is what frees memory. The client is told (and told again when
/// the alarm clears) through the protocol's <see cref="IBlockedNotice"/>, if it can be.
/// </summary>
public sealed class AlarmBlocking
{
    /// <summary>The broker's alarms.</summary>
    private readonly ResourceAlarms _alarms;
    /// <summary>The protocol's way of telling the client.</summary>
    private readonly IBlockedNotice _notice;
    /// <summary>The connection's input, peeked while blocked to notice a client that left.</summary>
    private readonly PipeReader _input;
    /// <summary>Serialises notices (alarm thread and reader loop).</summary>
    private readonly Lock _lock = new();
    /// <summary>Whether the client was last told blocked. Guarded by _lock.</summary>
    private bool _notified;
    /// <summary>The alarm subscription, kept to unsubscribe the same delegate.</summary>
    private readonly Action<bool> _onChanged;
    /// <summary>True while subscribed to the alarms.</summary>
    private bool _attached;

    /// <summary>Blocking for a connection reading from <paramref name="input"/>.</summary>
    public AlarmBlocking(ResourceAlarms alarms, IBlockedNotice notice, PipeReader input)
    {
        _alarms = alarms;
        _notice = notice;
        _input = input;
        _onChanged = OnAlarmChanged;
    }

    /// <summary>Set by the reader loop once the client published: only publishers are blocked.</summary>
    public bool HasPublished { get; set; }

    /// <summary>
    /// True when the reader should stop after the packet it just handled: the client publishes
    /// and an alarm is on. Lets a reader leave the rest of a read (many small publishes arrive in
    /// one segment) unprocessed instead of taking them all in first. Lock-free.
    /// </summary>
    public bool ShouldStopReading => HasPublished && _alarms.IsBlocked;

    /// <summary>
    /// The heartbeat check's part of blocking: while this connection is held, its client is not
    /// read, so its silence is the broker's doing. Marks it alive at <paramref name="now"/> and
    /// returns true; the heartbeat then must not time it out. Checked on every tick rather than
    /// refreshed by a timer in the wait, which a loaded machine can delay past the timeout.
    /// </summary>
    public bool HoldsSilence(ref long lastReadTicks, long now)
    {
        if (!ShouldStopReading) return false;
        Volatile.Write(ref lastReadTicks, now);
        return true;
    }

    /// <summary>Whether the client was last told it is blocked.</summary>
    public bool IsNotifiedBlocked
    {
        get { lock (_lock) return _notified; }
    }

    /// <summary>Starts following the alarms (once the connection is open); an alarm already on is applied at once.</summary>
    public void Attach()
    {
        if (_attached) return;
        _attached = true;
        _alarms.Changed += _onChanged;
        if (_alarms.IsBlocked) OnAlarmChanged(true);
    }

    /// <summary>Stops following the alarms; call on every exit, or the broker's event keeps the closed connection alive.</summary>
    public void Detach()
    {
        if (!_attached) return;
        _attached = false;
        _alarms.Changed -= _onChanged;
    }

    /// <summary>Unblocked goes only to those told blocked; blocked only to publishers.</summary>
    private void OnAlarmChanged(bool blocked)
    {
        if (!_notice.CanNotify) return;
        if (blocked && !HasPublished) return;
        Notify(blocked);
    }

    private void Notify(bool blocked)
    {
        lock (_lock)
        {
            if (blocked == _notified) return;
            _notified = blocked;
            _notice.Notify(blocked);
        }
    }

    /// <summary>
    /// Called by the reader loop before each read: returns at once unless this connection has
    /// published and an alarm is on; then waits for the alarm to clear.
    /// </summary>
    /// <param name="keepAlive">Called when the wait ends, so the heartbeat counts the client's silence from then (during the wait <see cref="HoldsSilence"/> covers it).</param>
    /// <param name="cancellation">Stops the wait (connection closing).</param>
    /// <exception cref="OperationCanceledException">Cancelled, or the client closed its side of the socket while blocked.</exception>
    public async Task WaitWhileBlockedAsync(Action keepAlive, CancellationToken cancellation)
    {
        if (!HasPublished || !_alarms.IsBlocked) return;
        // A connection that started publishing during the alarm is told now.
        if (_notice.CanNotify) Notify(true);
        var cleared = _alarms.WhenClearAsync();
        while (!cleared.IsCompleted)
        {
            await Task.WhenAny(cleared, Task.Delay(1000, cancellation)).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
            // A client that left while blocked is noticed now, not when the alarm clears: its
            // sessions close and their unacked messages go back to their queues.
            if (InputEnded()) throw new OperationCanceledException("the client left while blocked");
        }
        keepAlive();
        // Covers an alarm that cleared while the blocked notice was being sent.
        if (_notice.CanNotify) Notify(false);
    }

    /// <summary>True when the client closed its side of the socket; consumes nothing.</summary>
    private bool InputEnded()
    {
        if (!_input.TryRead(out var peek)) return false;
        _input.AdvanceTo(peek.Buffer.Start);
        return peek.IsCompleted;
    }
}
