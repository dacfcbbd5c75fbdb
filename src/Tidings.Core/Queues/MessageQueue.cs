using Tidings.Core.Exchanges;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;
using Tidings.Core.Storage;

namespace Tidings.Core.Queues;

/// <summary>The result of offering a message to a queue.</summary>
public enum EnqueueResult
{
    /// <summary>The queue took responsibility for the message.</summary>
    Accepted,
    /// <summary>The queue is full and its overflow mode refuses new messages.</summary>
    Rejected,
}

/// <summary>
/// A classic queue: ready messages in order (per priority level), consumers served round-robin
/// within prefetch limits, TTL, length limits and dead-lettering. All state is guarded by one
/// short lock; dead-letters are re-published only after the lock is released, so two queues
/// dead-lettering into each other never hold both locks.
/// </summary>
public sealed class MessageQueue : IQueue
{
    /// <summary>Guards every mutable field below.</summary>
    private readonly Lock _lock = new();
    /// <summary>Ready entries, one deque per priority level (index = priority).</summary>
    private readonly EntryDeque[] _ready;
    /// <summary>Consumers; ordered by priority (desc), rotated within a priority for round-robin.</summary>
    private readonly List<Consumer> _consumers = [];
    /// <summary>Consumers in registration order: the first is the single active one when SAC is on.</summary>
    private readonly List<Consumer> _registrationOrder = [];
    /// <summary>Bindings that point at this queue, so deleting the queue removes them.</summary>
    private readonly List<Binding> _incomingBindings = [];
    private long _readyBytes;
    private int _readyCount;
    private int _unackedCount;
    private long _nextSequence;
    private bool _deleted;
    private bool _hadConsumer;
    /// <summary>Fires when the earliest head entry expires; created on first need.</summary>
    private ITimer? _ttlTimer;
    private long _ttlTimerDueMs = long.MaxValue;
    /// <summary>Fires when the queue has been unused for x-expires ms.</summary>
    private ITimer? _expiryTimer;
    private long _lastUsedMs;
    /// <summary>The durable log of persistent messages; null for transient queues or without a store.</summary>
    private readonly IQueueLog? _log;
    /// <summary>
    /// Ready messages behind the in-memory window (durable queues without priorities): mostly log
    /// positions, read back as the window drains. Null when everything stays in memory.
    /// </summary>
    private readonly PagedBacklog? _backlog;
    /// <summary>Body bytes of the entries in the window (<c>_ready</c>), against the window budget.</summary>
    private long _windowBytes;
    private static readonly Action<object?> NoConfirm = static _ => { };
    /// <summary>Acked entries kept for reuse, so a steady stream allocates none. Lock held.</summary>
    private readonly Stack<QueueEntry> _freeEntries = new();
    private const int MaxFreeEntries = 1024;

    /// <summary>This kind's x-queue-type.</summary>
    public const string KindName = "classic";

    internal MessageQueue(QueueDeclaration declaration)
    {
        var (virtualHost, name, durable, exclusive, autoDelete, arguments, settings, owner) = declaration;
        VirtualHost = virtualHost;
        Name = name;
        Durable = durable;
        Exclusive = exclusive;
        AutoDelete = autoDelete;
        Arguments = arguments ?? Binding.EmptyArguments;
        Settings = settings;
        Owner = owner;
        _ready = new EntryDeque[settings.MaxPriority + 1];
        for (int i = 0; i < _ready.Length; i++) _ready[i] = new EntryDeque();
        _lastUsedMs = NowMs;
        if (durable && virtualHost.Broker.MessageStore is { } store)
        {
            // The backlog exists before the log replays its messages, so a long queue is paged
            // while it is recovered rather than loaded whole.
            if (settings.MaxPriority == 0) _backlog = new PagedBacklog();
            _log = store.OpenQueue(virtualHost.Name, name, Recover);
            if (_backlog is not null) _backlog.Log = _log;
        }
        ScheduleExpiry();
    }

    /// <summary>
    /// A message found in the durable log at start-up. It may have been delivered before the
    /// restart, so it comes back marked redelivered, in its original order.
    /// </summary>
    private void Recover(Message message, StoredMessage stored)
    {
        var entry = new QueueEntry(message, _nextSequence++, ExpiryOf(message, NowMs), PriorityOf(message))
        {
            Stored = stored,
            Redelivered = true,
        };
        AddReady(entry, requeued: false);
        Stats.Add(MessageStat.Publish);
    }

    /// <inheritdoc />
    public string Kind => KindName;
    public VirtualHost VirtualHost { get; }
    /// <summary>Message counters: publish, deliver, get, redeliver, ack.</summary>
    public MessageStats Stats { get; } = new();
    /// <summary>When the queue was created.</summary>
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;
    /// <inheritdoc />
    public string Name { get; }
    public bool Durable { get; }
    /// <summary>Usable only by <see cref="Owner"/>; deleted when it closes.</summary>
    public bool Exclusive { get; }
    /// <summary>Deleted when its last consumer goes (after it has had one).</summary>
    public bool AutoDelete { get; }
    public IReadOnlyDictionary<string, object?> Arguments { get; }
    public QueueArguments Settings { get; }
    /// <summary>The connection owning an exclusive queue.</summary>
    public ClientConnection? Owner { get; }

    /// <summary>Ready messages (RabbitMQ's message_count).</summary>
    public int MessageCount { get { lock (_lock) return _readyCount; } }
    /// <summary>Bytes of ready message bodies.</summary>
    public long MessageBytes { get { lock (_lock) return _readyBytes; } }
    /// <summary>Delivered, not yet acked.</summary>
    public int UnackedCount { get { lock (_lock) return _unackedCount; } }
    public int ConsumerCount { get { lock (_lock) return _consumers.Count; } }
    public bool IsDeleted { get { lock (_lock) return _deleted; } }

    /// <summary>A snapshot of the consumers.</summary>
    public IReadOnlyList<Consumer> Consumers { get { lock (_lock) return [.. _registrationOrder]; } }

    /// <summary>The consumer receiving messages when single-active-consumer is on.</summary>
    public Consumer? ActiveConsumer { get { lock (_lock) return Settings.SingleActiveConsumer ? _registrationOrder.FirstOrDefault() : null; } }

    private long NowMs => VirtualHost.Broker.Time.GetUtcNow().ToUnixTimeMilliseconds();

    // ---- publishing ----

    /// <summary>Offers a routed message. Accepted messages are delivered or kept in order.</summary>
    EnqueueResult IQueue.Enqueue(Message message, ConfirmRequest? confirm)
    {
        List<DeadLetter>? deadLetters = null;
        EnqueueResult result = EnqueueResult.Accepted;
        lock (_lock)
        {
            if (_deleted) return EnqueueResult.Accepted;
            // The clock is read only when a TTL needs it (-1 = not read yet).
            long now = -1;
            if (Settings.Overflow != OverflowMode.DropHead && WouldOverflow(message.Size))
            {
                result = EnqueueResult.Rejected;
                if (Settings.Overflow == OverflowMode.RejectPublishDlx)
                    (deadLetters ??= []).Add(new DeadLetter(message, DeadLetterReason.MaxLength));
            }
            else
            {
                Stats.Add(MessageStat.Publish);
                var entry = NewEntry(message, ExpiryOf(message, ref now));
                if (_log is not null && message.Properties.IsPersistent)
                {
                    // The confirm waits for the disk; the delivery below does not.
                    var hold = confirm?.Hold();
                    entry.Stored = _log.Append(message, hold is null ? NoConfirm : PendingConfirm.OnDurable, hold);
                }
                // As RabbitMQ does, a message meeting an empty queue goes straight to a consumer with
                // credit before its TTL is looked at: a TTL of 0 means "deliver now or never".
                if (_readyCount == 0 && TryDeliverFresh(entry)) return result;
                AddReady(entry, requeued: false);
                DispatchLocked(ref deadLetters);
                EnforceLimits(ref deadLetters);
                DropExpiredHeads(now, ref deadLetters);
                ScheduleTtlTimer();
            }
        }
        if (deadLetters is not null) VirtualHost.DeadLetter(this, deadLetters);
        return result;
    }

    private bool WouldOverflow(long size) =>
        (Settings.MaxLength is { } max && _readyCount + 1 > max) ||
        (Settings.MaxLengthBytes is { } maxBytes && _readyBytes + size > maxBytes);

    private long ExpiryOf(Message message, long now)
    {
        long ttl = Settings.MessageTtl ?? long.MaxValue;
        if (message.Properties.Expiration is { } expiration && long.TryParse(expiration, out long perMessage))
            ttl = Math.Min(ttl, perMessage);
        return ttl == long.MaxValue ? long.MaxValue : now + ttl;
    }

    /// <summary>As above, reading the clock into <paramref name="now"/> (when it is -1) only if the message has a TTL.</summary>
    private long ExpiryOf(Message message, ref long now)
    {
        if (Settings.MessageTtl is null && message.Properties.Expiration is null) return long.MaxValue;
        if (now < 0) now = NowMs;
        return ExpiryOf(message, now);
    }

    private byte PriorityOf(Message message) =>
        Settings.MaxPriority == 0 ? (byte)0 : Math.Min(message.Properties.Priority ?? 0, Settings.MaxPriority);

    // ---- consuming ----

    /// <summary>Registers a consumer; <paramref name="onRegistered"/> runs before its first delivery.</summary>
    void IQueue.AddConsumer(Consumer consumer, Action<Consumer>? onRegistered)
    {
        List<DeadLetter>? deadLetters = null;
        lock (_lock)
        {
            if (_deleted) throw BrokerException.NoQueue(Name, VirtualHost.Name);
            if (_consumers.Count > 0 && (consumer.Exclusive || _consumers.Exists(c => c.Exclusive)))
                throw new BrokerException(BrokerError.AccessRefused, $"queue '{Name}' in vhost '{VirtualHost.Name}' in exclusive use");
            int index = _consumers.FindIndex(c => c.Priority < consumer.Priority);
            _consumers.Insert(index < 0 ? _consumers.Count : index, consumer);
            _registrationOrder.Add(consumer);
            _hadConsumer = true;
            Touch();
            onRegistered?.Invoke(consumer);
            consumer.IsActive = true;
            DispatchLocked(ref deadLetters);
        }
        if (deadLetters is not null) VirtualHost.DeadLetter(this, deadLetters);
    }

    /// <summary>Removes a consumer (cancel or session close); may auto-delete the queue.</summary>
    void IQueue.RemoveConsumer(Consumer consumer)
    {
        bool autoDelete;
        List<DeadLetter>? deadLetters = null;
        lock (_lock)
        {
            consumer.IsActive = false;
            if (!_consumers.Remove(consumer)) return;
            _registrationOrder.Remove(consumer);
            autoDelete = AutoDelete && _hadConsumer && _consumers.Count == 0 && !_deleted;
            Touch();
            // With single-active-consumer the next registered consumer takes over here.
            DispatchLocked(ref deadLetters);
        }
        if (deadLetters is not null) VirtualHost.DeadLetter(this, deadLetters);
        if (autoDelete) VirtualHost.DeleteQueueInternal(this);
    }

    /// <summary>Pull one message (basic.get). Null when the queue is empty.</summary>
    QueueEntry? IQueue.TryTake(bool noAck, out int remaining)
    {
        List<DeadLetter>? deadLetters = null;
        QueueEntry? entry = null;
        lock (_lock)
        {
            Touch();
            DropExpiredHeads(NowMs, ref deadLetters);
            if (_readyCount > 0)
            {
                entry = RemoveHead();
                // basic.get's caller reads the message after this lock is gone (and may ack first).
                entry.Message.Pin();
                if (!noAck) _unackedCount++;
                else Forget(entry);
            }
            remaining = _readyCount;
            ScheduleTtlTimer();
        }
        if (deadLetters is not null) VirtualHost.DeadLetter(this, deadLetters);
        return entry;
    }

    /// <summary>Delivers ready messages to consumers with credit (after acks, qos changes, flow).</summary>
    void IQueue.Dispatch()
    {
        List<DeadLetter>? deadLetters = null;
        lock (_lock)
        {
            if (_readyCount == 0 || _consumers.Count == 0) return;
            DropExpiredHeads(NowMs, ref deadLetters);
            DispatchLocked(ref deadLetters);
            ScheduleTtlTimer();
        }
        if (deadLetters is not null) VirtualHost.DeadLetter(this, deadLetters);
    }

    /// <summary>Called with the lock held. Expired heads met on the way are dropped.</summary>
    private void DispatchLocked(ref List<DeadLetter>? deadLetters)
    {
        long now = -1;
        while (_readyCount > 0 && _consumers.Count > 0)
        {
            var head = PeekHead();
            if (head.ExpiresAtMs != long.MaxValue)
            {
                if (now < 0) now = NowMs;
                if (IsExpired(head, now))
                {
                    DropExpiredHeads(now, ref deadLetters);
                    continue;
                }
            }
            var consumer = PickConsumer();
            if (consumer is null) return;
            var entry = RemoveHead();
            if (!consumer.NoAck) _unackedCount++;
            if (!consumer.Session.DeliverFromQueue(consumer, this, entry))
            {
                // The session closed under us, or the delivery failed and stopped the consumer
                // (it is inactive now, so it is not picked again): the message goes back
                // untouched and the next consumer gets it.
                if (!consumer.NoAck) _unackedCount--;
                consumer.Release();
                AddReady(entry, requeued: true);
                continue;
            }
            if (consumer.NoAck)
            {
                Forget(entry);
                Recycle(entry);
            }
        }
    }

    /// <summary>Hands a just-published entry to a consumer with credit; false when none can take it. Lock held.</summary>
    private bool TryDeliverFresh(QueueEntry entry)
    {
        if (_consumers.Count == 0) return false;
        var consumer = PickConsumer();
        if (consumer is null) return false;
        if (!consumer.NoAck) _unackedCount++;
        if (consumer.Session.DeliverFromQueue(consumer, this, entry))
        {
            if (consumer.NoAck)
            {
                Forget(entry);
                Recycle(entry);
            }
            return true;
        }
        if (!consumer.NoAck) _unackedCount--;
        consumer.Release();
        return false;
    }

    private static bool IsExpired(QueueEntry entry, long now) => entry.ExpiresAtMs <= now;

    /// <summary>Picks and reserves credit on the next consumer; rotates it for round-robin.</summary>
    private Consumer? PickConsumer()
    {
        if (Settings.SingleActiveConsumer)
        {
            var active = _registrationOrder[0];
            return active.TryReserve() ? active : null;
        }
        for (int i = 0; i < _consumers.Count; i++)
        {
            var candidate = _consumers[i];
            if (!candidate.TryReserve()) continue;
            // Move behind the others of the same priority so they take turns.
            int last = i;
            while (last + 1 < _consumers.Count && _consumers[last + 1].Priority == candidate.Priority) last++;
            if (last != i)
            {
                _consumers.RemoveAt(i);
                _consumers.Insert(last, candidate);
            }
            return candidate;
        }
        return null;
    }

    // ---- settling deliveries ----

    /// <summary>Acked deliveries leave the queue for good: <paramref name="count"/> of them under one lock, with one dispatch after.</summary>
    void IQueue.Settle(List<Unacked> deliveries, int start, int count)
    {
        List<DeadLetter>? deadLetters = null;
        lock (_lock)
        {
            if (_deleted) return;
            _unackedCount -= count;
            for (int i = start; i < start + count; i++)
            {
                Forget(deliveries[i].Entry);
                Recycle(deliveries[i].Entry);
            }
            DispatchLocked(ref deadLetters);
        }
        if (deadLetters is not null) VirtualHost.DeadLetter(this, deadLetters);
    }

    /// <summary>Puts delivered entries back at their original positions, marked redelivered.</summary>
    void IQueue.Requeue(IEnumerable<QueueEntry> entries)
    {
        List<DeadLetter>? deadLetters = null;
        lock (_lock)
        {
            if (_deleted) return;
            foreach (var entry in entries)
            {
                _unackedCount--;
                entry.Redelivered = true;
                AddReady(entry, requeued: true);
            }
            long now = NowMs;
            DropExpiredHeads(now, ref deadLetters);
            DispatchLocked(ref deadLetters);
            ScheduleTtlTimer();
        }
        if (deadLetters is not null) VirtualHost.DeadLetter(this, deadLetters);
    }

    /// <summary>A rejected delivery that is not requeued: dead-lettered if configured, else dropped.</summary>
    void IQueue.Discard(QueueEntry entry)
    {
        List<DeadLetter>? deadLetters = null;
        lock (_lock)
        {
            if (_deleted) return;
            _unackedCount--;
            Forget(entry);
            AddDeadLetter(ref deadLetters, entry.Message, DeadLetterReason.Rejected);
            DispatchLocked(ref deadLetters);
        }
        if (deadLetters is not null) VirtualHost.DeadLetter(this, deadLetters);
    }

    // ---- management ----

    /// <summary>Removes all ready messages; returns how many.</summary>
    int IQueue.Purge()
    {
        lock (_lock)
        {
            int count = _readyCount;
            foreach (var deque in _ready)
            {
                for (int i = 0; i < deque.Count; i++) Forget(deque[i]);
                deque.Clear();
            }
            _backlog?.Clear(forget: true, Forget);
            _readyCount = 0;
            _readyBytes = 0;
            _windowBytes = 0;
            return count;
        }
    }

    /// <summary>
    /// Marks the queue deleted and returns its consumers, whom the caller notifies. With
    /// <paramref name="deleteLog"/> false (broker shutdown) the durable log is kept for the next start.
    /// </summary>
    (int Messages, List<Consumer> Consumers) IQueue.MarkDeleted(bool deleteLog)
    {
        lock (_lock)
        {
            if (_deleted) return (0, []);
            _deleted = true;
            int count = _readyCount;
            var consumers = new List<Consumer>(_registrationOrder);
            foreach (var c in consumers) c.IsActive = false;
            _consumers.Clear();
            _registrationOrder.Clear();
            foreach (var deque in _ready) deque.Clear();
            _backlog?.Clear(forget: false, Forget);
            _readyCount = 0;
            _readyBytes = 0;
            _windowBytes = 0;
            _ttlTimer?.Dispose();
            _expiryTimer?.Dispose();
            if (deleteLog) _log?.Delete();
            return (count, consumers);
        }
    }

    /// <summary>Bindings pointing here. Caller holds the vhost topology lock.</summary>
    List<Binding> IQueue.IncomingBindings => _incomingBindings;

    /// <summary>Redeclare and passive declare count as use for x-expires.</summary>
    void IQueue.MarkUsed()
    {
        lock (_lock) Touch();
    }

    // ---- internals (lock held) ----

    /// <summary>The entry left the queue for good: its durable copy must not come back. Lock held.</summary>
    private void Forget(QueueEntry entry)
    {
        if (entry.Stored is { } stored) _log!.Remove(stored);
    }

    /// <summary>An entry for a message just published, recycled when possible; it holds a reference to the message. Lock held.</summary>
    private QueueEntry NewEntry(Message message, long expiresAtMs)
    {
        message.Retain();
        if (_freeEntries.TryPop(out var entry))
        {
            entry.Reset(message, _nextSequence++, expiresAtMs, PriorityOf(message));
            return entry;
        }
        return new QueueEntry(message, _nextSequence++, expiresAtMs, PriorityOf(message));
    }

    /// <summary>
    /// An acked entry: its message reference goes and the entry is kept for reuse. Only acks
    /// come here; entries that leave otherwise (dead-lettered, expired, purged) keep their
    /// reference, so their message is never reused under a dead-letter still reading it. Lock held.
    /// </summary>
    private void Recycle(QueueEntry entry)
    {
        entry.Message.Release();
        entry.Clear();
        if (_freeEntries.Count < MaxFreeEntries) _freeEntries.Push(entry);
    }

    private void AddReady(QueueEntry entry, bool requeued)
    {
        long size = entry.Message.Size;
        _readyCount++;
        _readyBytes += size;
        // Requeued entries go back into the window: they come before everything behind it.
        if (_backlog is not null && !requeued && (!_backlog.IsEmpty || !WindowHasRoom(size)))
        {
            _backlog.Append(entry);
            return;
        }
        var deque = _ready[entry.Priority];
        if (requeued) deque.InsertInOrder(entry); else deque.Append(entry);
        _windowBytes += size;
    }

    private bool WindowHasRoom(long size)
    {
        var options = VirtualHost.Broker.Options;
        return _ready[0].Count < options.QueueWindowMessages && (_windowBytes + size <= options.QueueWindowBytes || _ready[0].Count == 0);
    }

    /// <summary>Moves messages from the backlog into an empty window, reading paged ones from disk.</summary>
    private void RefillWindow()
    {
        if (_backlog is null || _ready[0].Count > 0) return;
        _backlog.PageOut();
        while (!_backlog.IsEmpty && WindowHasRoom(_backlog.PeekSize()))
        {
            var entry = _backlog.TakeFirst();
            _ready[0].Append(entry);
            _windowBytes += entry.Message.Size;
        }
    }

    /// <summary>Ready messages held as objects in memory (window plus unpaged backlog), for tests and diagnostics.</summary>
    public long MessagesInMemory
    {
        get
        {
            lock (_lock)
            {
                long window = 0;
                foreach (var deque in _ready) window += deque.Count;
                return window + (_backlog?.InMemory ?? 0) + (_backlog?.UnwrittenCount ?? 0);
            }
        }
    }

    private QueueEntry PeekHead()
    {
        RefillWindow();
        for (int p = _ready.Length - 1; p >= 0; p--)
            if (_ready[p].Count > 0) return _ready[p].PeekFirst();
        throw new InvalidOperationException("queue is empty");
    }

    private QueueEntry RemoveHead()
    {
        RefillWindow();
        for (int p = _ready.Length - 1; p >= 0; p--)
        {
            if (_ready[p].Count == 0) continue;
            var entry = _ready[p].RemoveFirst();
            _readyCount--;
            _readyBytes -= entry.Message.Size;
            _windowBytes -= entry.Message.Size;
            return entry;
        }
        throw new InvalidOperationException("queue is empty");
    }

    /// <summary>Drop-head overflow: the oldest ready messages make room.</summary>
    private void EnforceLimits(ref List<DeadLetter>? deadLetters)
    {
        if (Settings.Overflow != OverflowMode.DropHead) return;
        while (_readyCount > 0 &&
               ((Settings.MaxLength is { } max && _readyCount > max) ||
                (Settings.MaxLengthBytes is { } maxBytes && _readyBytes > maxBytes)))
        {
            Forget(PeekHead());
            var dropped = RemoveHead();
            AddDeadLetter(ref deadLetters, dropped.Message, DeadLetterReason.MaxLength);
        }
    }

    /// <summary>
    /// Messages expire only when they reach the head of their queue, as in RabbitMQ; with
    /// priorities, each level's head is checked.
    /// </summary>
    /// <remarks><paramref name="now"/> may be -1: the clock is then read only if a head can expire at all.</remarks>
    private void DropExpiredHeads(long now, ref List<DeadLetter>? deadLetters)
    {
        RefillWindow();
        foreach (var deque in _ready)
        {
            while (deque.Count > 0 && deque.PeekFirst().ExpiresAtMs != long.MaxValue)
            {
                if (now < 0) now = NowMs;
                if (!IsExpired(deque.PeekFirst(), now)) break;
                // Forgotten before it is removed: if the store fails, the entry stays where it
                // was and the counts stay true, so the retry finds it again.
                Forget(deque.PeekFirst());
                var expired = deque.RemoveFirst();
                _readyCount--;
                _readyBytes -= expired.Message.Size;
                _windowBytes -= expired.Message.Size;
                AddDeadLetter(ref deadLetters, expired.Message, DeadLetterReason.Expired);
                if (deque.Count == 0) RefillWindow();
            }
        }
    }

    private void AddDeadLetter(ref List<DeadLetter>? deadLetters, Message message, DeadLetterReason reason)
    {
        if (Settings.DeadLetterExchange is null) return;
        (deadLetters ??= []).Add(new DeadLetter(message, reason));
    }

    private void ScheduleTtlTimer()
    {
        RefillWindow();
        long due = long.MaxValue;
        foreach (var deque in _ready)
            if (deque.Count > 0) due = Math.Min(due, deque.PeekFirst().ExpiresAtMs);
        if (due == long.MaxValue || due >= _ttlTimerDueMs) return;
        _ttlTimerDueMs = due;
        var delay = TimerDelay(due - NowMs);
        _ttlTimer ??= VirtualHost.Broker.Time.CreateTimer(static s => ((MessageQueue)s!).OnTtlTimer(), this,
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _ttlTimer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Timers cannot wait longer than about 49 days; a longer wait fires early and re-arms itself.</summary>
    private static readonly long MaxTimerDelayMs = (long)TimeSpan.FromDays(1).TotalMilliseconds;

    /// <summary>How long a timer waits for something due in <paramref name="ms"/> milliseconds: 0 to a day.</summary>
    private static TimeSpan TimerDelay(long ms) => TimeSpan.FromMilliseconds(Math.Clamp(ms, 0, MaxTimerDelayMs));

    /// <summary>Where a fault in this queue's timers is reported.</summary>
    private string FaultSite(string timer) => $"queue '{Name}' in vhost '{VirtualHost.Name}': {timer}";

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
            RetryTtlTimerLater();
        }
    }

    private void ExpireAndDispatch()
    {
        List<DeadLetter>? deadLetters = null;
        lock (_lock)
        {
            if (_deleted) return;
            _ttlTimerDueMs = long.MaxValue;
            DropExpiredHeads(NowMs, ref deadLetters);
            DispatchLocked(ref deadLetters);
            ScheduleTtlTimer();
        }
        if (deadLetters is not null) VirtualHost.DeadLetter(this, deadLetters);
    }

    /// <summary>After a failed TTL round: expired messages are looked at again in a second rather than never.</summary>
    private void RetryTtlTimerLater()
    {
        try
        {
            lock (_lock)
            {
                if (_deleted || _ttlTimer is null) return;
                _ttlTimerDueMs = NowMs + 1000;
                _ttlTimer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
            }
        }
        catch (Exception e)
        {
            VirtualHost.Broker.Faults.Report(FaultSite("TTL timer retry"), e);
        }
    }

    /// <summary>Records use for x-expires and re-arms its timer.</summary>
    private void Touch()
    {
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
        lock (_lock)
        {
            if (_deleted || _consumers.Count > 0) return;
            long idle = NowMs - _lastUsedMs;
            if (idle < Settings.Expires)
            {
                _expiryTimer?.Change(TimerDelay(Settings.Expires!.Value - idle), Timeout.InfiniteTimeSpan);
                return;
            }
        }
        VirtualHost.DeleteQueueInternal(this);
    }
}
