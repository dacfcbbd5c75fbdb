using System.Diagnostics;

namespace Tidings.Core.Queues;

/// <summary>
/// Time in a classic queue: message TTL (checked at the head, as RabbitMQ does) with one timer
/// for the earliest head, and x-expires (delete after so long unused). Timers come from the
/// broker's <see cref="TimeProvider"/>, so tests drive them with a manual clock.
/// </summary>
public sealed partial class MessageQueue
{
    /// <summary>Fires when the earliest head entry expires; created on first need. Lock held.</summary>
    private ITimer? _ttlTimer;
    /// <summary>When <see cref="_ttlTimer"/> is due (Unix ms; long.MaxValue = not armed). Lock held.</summary>
    private long _ttlTimerDueMs = long.MaxValue;
    /// <summary>Fires when the queue has been unused for x-expires ms. Lock held.</summary>
    private ITimer? _expiryTimer;
    /// <summary>Last use (declare, consume, get, consumer change), Unix ms, for x-expires. Lock held.</summary>
    private long _lastUsedMs;

    /// <summary>Timers cannot wait longer than about 49 days; a longer wait fires early and re-arms itself.</summary>
    private static readonly long MaxTimerDelayMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    private static bool IsExpired(QueueEntry entry, long now) => entry.ExpiresAtMs <= now;

    /// <summary>How long a timer waits for something due in <paramref name="ms"/> milliseconds: 0 to a day.</summary>
    private static TimeSpan TimerDelay(long ms) => TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, MaxTimerDelayMs));

    /// <summary>Where a fault in this queue's timers is reported.</summary>
    private string FaultSite(string timer) => $"queue '{Name}' in vhost '{VirtualHost.Name}': {timer}";

    /// <summary>
    /// Messages expire only when they reach the head of their queue, as in RabbitMQ; with
    /// priorities, each level's head is checked. Lock held.
    /// </summary>
    /// <remarks><paramref name="now"/> may be -1: the clock is then read only if a head can expire at all.</remarks>
    private void DropExpiredHeads(long now)
    {
        Debug.Assert(LockIsHeld);
        for (int level = 0; level < _ready.Levels; level++)
        {
            while (_ready.PeekLevel(level) is { } head && head.ExpiresAtMs != long.MaxValue)
            {
                if (now < 0) now = NowMs;
                if (!IsExpired(head, now)) break;
                // Forgotten before it is removed: if the store fails, the entry stays where it
                // was and the counts stay true, so the retry finds it again.
                Forget(head);
                var expired = _ready.RemoveFirstOf(level);
                AddDeadLetter(expired.Message, DeadLetterReason.Expired);
            }
        }
    }

    /// <summary>Arms the TTL timer for the earliest head expiry, unless it is armed for earlier. Lock held.</summary>
    private void ScheduleTtlTimer()
    {
        Debug.Assert(LockIsHeld);
        long due = _ready.EarliestHeadExpiry();
        if (due == long.MaxValue || due >= _ttlTimerDueMs) return;
        _ttlTimerDueMs = due;
        var delay = TimerDelay(due - NowMs);
        _ttlTimer ??= VirtualHost.Broker.Time.CreateTimer(static s => ((MessageQueue)s!).OnTtlTimer(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _ttlTimer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A timer thread's entry: a fault is reported and retried a second later, never thrown into the timer.</summary>
    private void OnTtlTimer()
    {
        try
        {
            ExpireAndDispatch();
        }
        catch (Exception e)
        {
            VirtualHost.Broker.Faults.Report(FaultSite("TTL timer"), e);
            RetryLater(_ttlTimer, ref _ttlTimerDueMs, "TTL timer retry");
        }
    }

    private void ExpireAndDispatch()
    {
        using var scope = EnterLocked();
        if (_deleted) return;
        _ttlTimerDueMs = long.MaxValue;
        DropExpiredHeads(NowMs);
        DispatchLocked();
        ScheduleTtlTimer();
    }

    /// <summary>
    /// After a failed timer round (TTL, visibility): what it was for is looked at again in a second
    /// rather than never. <paramref name="dueMs"/> is the timer's due-time field.
    /// </summary>
    private void RetryLater(ITimer? timer, ref long dueMs, string site)
    {
        try
        {
            lock (_lock)
            {
                if (_deleted || timer is null) return;
                dueMs = NowMs + 1000;
                timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            }
        }
        catch (Exception e)
        {
            VirtualHost.Broker.Faults.Report(FaultSite(site), e);
        }
    }

    /// <summary>Records use for x-expires and re-arms its timer. Lock held.</summary>
    private void Touch()
    {
        Debug.Assert(LockIsHeld);
        _lastUsedMs = NowMs;
        ScheduleExpiry();
    }

    private void ScheduleExpiry()
    {
        if (Settings.Expires is not { } expires) return;
        _expiryTimer ??= VirtualHost.Broker.Time.CreateTimer(static s => ((MessageQueue)s!).OnExpiryTimer(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _expiryTimer.Change(TimerDelay(expires), Timeout.InfiniteTimeSpan);
    }

    /// <summary>A timer thread's entry: a fault is reported, never thrown into the timer.</summary>
    private void OnExpiryTimer()
    {
        try
        {
            DeleteIfUnused();
        }
        catch (Exception e)
        {
            VirtualHost.Broker.Faults.Report(FaultSite("x-expires timer"), e);
        }
    }

    private void DeleteIfUnused()
    {
        using var scope = EnterLocked();
        if (_deleted || _consumers.Count > 0) return;
        long idle = NowMs - _lastUsedMs;
        if (idle < Settings.Expires)
        {
            _expiryTimer?.Change(TimerDelay(Settings.Expires!.Value - idle), Timeout.InfiniteTimeSpan);
            return;
        }
        Outbox.DeleteQueue = true;
    }
}
