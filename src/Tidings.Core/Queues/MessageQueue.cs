using System.Diagnostics;
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
/// The classic queue kind: ready messages in order (per priority level), consumers served
/// round-robin within prefetch limits, TTL, length limits and dead-lettering. All state is
/// guarded by one short lock, entered through <see cref="QueueLockScope"/>, which re-publishes
/// dead letters only after the lock is released, so two queues dead-lettering into each other
/// never hold both locks. The concerns sit in partial files: this one (state, publishing,
/// management), <c>.Consuming</c> (dispatch to consumers, basic.get), <c>.Settling</c> (ack,
/// requeue, reject), <c>.Timers</c> (TTL at the head, x-expires), <c>.Visibility</c> (delays and
/// connectionless receives), <c>.Receipts</c> (finding a receive by token, changing its visibility),
/// <c>.Groups</c> (x-message-groups for receivers); the ready list and consumer
/// selection are their own types (<see cref="ReadyList"/>, <see cref="ConsumerRing"/>).
/// </summary>
public sealed partial class MessageQueue : IQueue
{
    /// <summary>This kind's x-queue-type.</summary>
    public const string KindName = "classic";

    /// <summary>Guards every mutable field below; entered only through <see cref="EnterLocked"/>.</summary>
    private readonly Lock _lock = new();
    /// <summary>Ready entries (window, backlog, priorities). Lock held.</summary>
    private readonly ReadyList _ready;
    /// <summary>Consumers and the choice of the next one. Lock held.</summary>
    private readonly ConsumerRing _consumers = new();
    /// <summary>Bindings that point at this queue, so deleting the queue removes them. Topology lock held.</summary>
    private readonly List<Binding> _incomingBindings = [];
    /// <summary>Delivered, not yet settled (acked, requeued, rejected). Lock held.</summary>
    private int _unackedCount;
    /// <summary>The sequence number the next entry gets (its place in the queue). Lock held.</summary>
    private long _nextSequence;
    /// <summary>Set once by delete; afterwards every operation is a no-op. Lock held.</summary>
    private bool _deleted;
    /// <summary>True once a consumer registered: auto-delete waits for the first one to go. Lock held.</summary>
    private bool _hadConsumer;
    /// <summary>The durable log of persistent messages; null for transient queues or without a store.</summary>
    private readonly IQueueLog? _log;
    private static readonly Action<object?> NoConfirm = static _ => { };
    /// <summary>Acked entries kept for reuse, so a steady stream allocates none. Lock held.</summary>
    private readonly Stack<QueueEntry> _freeEntries = new();
    private const int MaxFreeEntries = 1024;
#if DEBUG
    /// <summary>Debug builds: the entries out with consumers, so <see cref="AssertInvariants"/> can count them. Lock held.</summary>
    private readonly HashSet<QueueEntry> _outDebug = new(ReferenceEqualityComparer.Instance);
#endif

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
        var store = durable ? virtualHost.Broker.MessageStore : null;
        // The backlog exists before the log replays its messages, so a long queue is paged
        // while it is recovered rather than loaded whole. A queue with message groups is not
        // paged: its receives look past blocked groups, which a small window would hide.
        _ready = new ReadyList(settings.MaxPriority, paged: store is not null && !settings.MessageGroups, virtualHost.Broker.Options);
        _lastUsedMs = NowMs;
        if (store is not null)
        {
            _log = store.OpenQueue(virtualHost.Name, name, Recover);
            if (_ready.Backlog is { } backlog) backlog.Log = _log;
        }
        ScheduleExpiry();
    }

    /// <summary>
    /// A message found in the durable log at start-up. It may have been delivered before the
    /// restart, so it comes back marked redelivered, in its original order.
    /// </summary>
    private void Recover(Message message, StoredMessage stored)
    {
        // A record that kept no absolute expiry (format v1) counts its TTL again from now, as before.
        if (message.ExpiresAtMs == long.MaxValue && message.Properties.TimeToLiveMs is { } ttl)
            message.ExpiresAtMs = NowMs + ttl;
        var entry = new QueueEntry(message, _nextSequence++, ExpiryOf(message, NowMs), PriorityOf(message))
        {
            Stored = stored,
            Redelivered = true,
            GroupId = GroupOf(message),
        };
        _ready.Add(entry, requeued: false);
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
    public int MessageCount { get { lock (_lock) return _ready.Count; } }
    /// <summary>Bytes of ready message bodies.</summary>
    public long MessageBytes { get { lock (_lock) return _ready.Bytes; } }
    /// <summary>Delivered, not yet acked.</summary>
    public int UnackedCount { get { lock (_lock) return _unackedCount; } }
    public int ConsumerCount { get { lock (_lock) return _consumers.Count; } }
    public bool IsDeleted { get { lock (_lock) return _deleted; } }

    /// <summary>A snapshot of the consumers.</summary>
    public IReadOnlyList<Consumer> Consumers { get { lock (_lock) return _consumers.Snapshot(); } }

    /// <summary>The consumer receiving messages when single-active-consumer is on.</summary>
    public Consumer? ActiveConsumer { get { lock (_lock) return Settings.SingleActiveConsumer ? _consumers.First : null; } }

    /// <summary>Ready messages held as objects in memory (window plus unpaged backlog), for tests and diagnostics.</summary>
    public long MessagesInMemory { get { lock (_lock) return _ready.InMemory; } }

    /// <summary>What this queue decided under its lock and does after it; <see cref="QueueLockScope"/> empties it.</summary>
    internal DeadLetterOutbox Outbox { get; } = new();

    /// <summary>How many <see cref="QueueLockScope"/>s the lock holder is inside (the lock is reentrant). Lock held.</summary>
    internal int ScopeDepth { get; set; }

    /// <summary>True when the calling thread holds this queue's lock (debug assertions).</summary>
    internal bool LockIsHeld => _lock.IsHeldByCurrentThread;

    private long NowMs => VirtualHost.Broker.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Enters the lock; disposing the scope releases it and then acts on the <see cref="Outbox"/>.</summary>
    private QueueLockScope EnterLocked() => new(this, _lock);

    // ---- publishing ----

    EnqueueResult IQueue.Enqueue(Message message, ConfirmRequest? confirm, long deliverAtMs)
    {
        using var scope = EnterLocked();
        if (_deleted) return EnqueueResult.Accepted;
        // The clock is read only when a TTL needs it (-1 = not read yet).
        long now = -1;
        if (Settings.Overflow != OverflowMode.DropHead && WouldOverflow(message.Size))
        {
            if (Settings.Overflow == OverflowMode.RejectPublishDlx) Outbox.Add(message, DeadLetterReason.MaxLength);
            return EnqueueResult.Rejected;
        }
        Stats.Add(MessageStat.Publish);
        var entry = NewEntry(message, ExpiryOf(message, ref now));
        if (_log is not null && IsPersistent(message))
        {
            // The confirm waits for the disk; the delivery below does not.
            var hold = confirm?.Hold();
            entry.Stored = _log.Append(message, hold is null ? NoConfirm : PendingConfirm.OnDurable, hold);
        }
        if (deliverAtMs > 0)
        {
            if (now < 0) now = NowMs;
            if (deliverAtMs > now)
            {
                Wait(entry, deliverAtMs);
                return EnqueueResult.Accepted;
            }
        }
        // As RabbitMQ does, a message meeting an empty queue goes straight to a consumer with
        // credit before its TTL is looked at: a TTL of 0 means "deliver now or never".
        if (_ready.Count == 0 && TryDeliverFresh(entry)) return EnqueueResult.Accepted;
        _ready.Add(entry, requeued: false);
        DispatchLocked();
        EnforceLimits();
        DropExpiredHeads(now);
        ScheduleTtlTimer();
        return EnqueueResult.Accepted;
    }

    private bool WouldOverflow(long size) =>
        (Settings.MaxLength is { } max && _ready.Count + 1 > max) ||
        (Settings.MaxLengthBytes is { } maxBytes && _ready.Bytes + size > maxBytes);

    /// <summary>Drop-head overflow: the oldest ready messages make room. Lock held.</summary>
    private void EnforceLimits()
    {
        Debug.Assert(LockIsHeld);
        if (Settings.Overflow != OverflowMode.DropHead) return;
        while (_ready.Count > 0 &&
               ((Settings.MaxLength is { } max && _ready.Count > max) ||
                (Settings.MaxLengthBytes is { } maxBytes && _ready.Bytes > maxBytes)))
        {
            Forget(_ready.PeekHead());
            var dropped = _ready.RemoveHead();
            AddDeadLetter(dropped.Message, DeadLetterReason.MaxLength);
        }
    }

    // ---- what the queue reads of a message: one method each, so the message model can change under them ----

    /// <summary>Whether the message goes to the durable log (AMQP delivery-mode 2).</summary>
    private static bool IsPersistent(Message message) => message.Properties.IsPersistent;

    /// <summary>The earlier of the message's own expiry and the queue's x-message-ttl counted from <paramref name="now"/>.</summary>
    private long ExpiryOf(Message message, long now) =>
        Settings.MessageTtl is { } ttl ? Math.Min(message.ExpiresAtMs, now + ttl) : message.ExpiresAtMs;

    /// <summary>As above, reading the clock into <paramref name="now"/> (when it is -1) only if the message has a TTL.</summary>
    private long ExpiryOf(Message message, ref long now)
    {
        if (Settings.MessageTtl is null) return message.ExpiresAtMs;
        if (now < 0) now = NowMs;
        return ExpiryOf(message, now);
    }

    /// <summary>The message's priority, capped at x-max-priority (0 without priorities).</summary>
    private byte PriorityOf(Message message) =>
        Settings.MaxPriority == 0 ? (byte)0 : Math.Min(message.Properties.Priority ?? 0, Settings.MaxPriority);

    // ---- management ----

    int IQueue.Purge()
    {
        using var scope = EnterLocked();
        int count = _ready.Count + _waitingCount;
        _ready.Clear(forget: true, Forget);
        ClearWaiting(forget: true);
        DropReceived();
        return count;
    }

    (int Messages, List<Consumer> Consumers) IQueue.MarkDeleted(bool deleteLog)
    {
        using var scope = EnterLocked();
        if (_deleted) return (0, []);
        _deleted = true;
        int count = _ready.Count;
        var consumers = _consumers.Snapshot();
        foreach (var c in consumers) c.IsActive = false;
        _consumers.Clear();
        _ready.Clear(forget: false, Forget);
        ClearWaiting(forget: false);
        // Nothing is settled on a deleted queue: receipts and group blocks go with it.
        _received.Clear();
        _groupsOut.Clear();
        _ttlTimer?.Dispose();
        _visibilityTimer?.Dispose();
        _expiryTimer?.Dispose();
        if (deleteLog) _log?.Delete();
        return (count, consumers);
    }

    List<Binding> IQueue.IncomingBindings => _incomingBindings;

    void IQueue.MarkUsed()
    {
        using var scope = EnterLocked();
        Touch();
    }

    // ---- entries (lock held) ----

    /// <summary>The entry left the queue for good: its durable copy must not come back. Lock held.</summary>
    private void Forget(QueueEntry entry)
    {
        if (entry.Stored is { } stored) _log!.Remove(stored);
    }

    /// <summary>An entry for a message just published, recycled when possible; it holds a reference to the message. Lock held.</summary>
    private QueueEntry NewEntry(Message message, long expiresAtMs)
    {
        message.Retain();
        if (_freeEntries.TryPop(out var entry)) entry.Reset(message, _nextSequence++, expiresAtMs, PriorityOf(message));
        else entry = new QueueEntry(message, _nextSequence++, expiresAtMs, PriorityOf(message));
        entry.GroupId = GroupOf(message);
        return entry;
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

    /// <summary>Collects a message for the dead-letter exchange, if the queue has one. Lock held.</summary>
    private void AddDeadLetter(Message message, DeadLetterReason reason)
    {
        if (Settings.DeadLetterExchange is null) return;
        Outbox.Add(message, reason);
    }

    /// <summary>Debug builds: the counts agree with what the queue holds. Called by <see cref="QueueLockScope"/> before the lock is released.</summary>
    [Conditional("DEBUG")]
    internal void AssertInvariants()
    {
        Debug.Assert(LockIsHeld);
        if (_deleted) return;
        _ready.AssertInvariants();
        Debug.Assert(_unackedCount >= 0, "negative unacked count");
        Debug.Assert(_waitingCount >= 0 && _waitingCount <= _waiting.Count, "waiting count outside 0..timed items");
        Debug.Assert(_received.Count <= _unackedCount, "more receipts indexed than deliveries out");
        Debug.Assert(Settings.MessageGroups || _groupsOut.Count == 0, "groups counted on a queue without message groups");
#if DEBUG
        Debug.Assert(_unackedCount == _outDebug.Count, $"unacked count {_unackedCount} != entries out {_outDebug.Count}");
#endif
    }
}
