using System.Diagnostics;
using Tidings.Core.Exchanges;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;
using Tidings.Core.Storage;

namespace Tidings.Core.Queues;

/// <summary>
/// The stream kind (x-queue-type=stream), as RabbitMQ 3.x offers it over AMQP: an append-only
/// log every consumer reads from its own offset; reads remove nothing, only retention
/// (x-max-length-bytes, x-max-age, per segment) does. Each message carries its offset in the
/// <c>x-stream-offset</c> header. Consumers need manual acks and a prefetch, which acts as credit;
/// named positions (<see cref="StreamStart"/>) are stored in the log. The partial files:
/// this one (declaration, appending, retention, management), <c>.Consuming</c> (consumers,
/// dispatch, settling), <c>.Positions</c> (named positions read without a consumer).
/// </summary>
public sealed partial class StreamQueue : IQueue
{
    /// <summary>This kind's x-queue-type.</summary>
    public const string KindName = "stream";

    /// <summary>Queue arguments of classic queues that mean nothing for a stream; RabbitMQ refuses them.</summary>
    private static readonly string[] RefusedArguments =
    [
        "x-message-ttl", "x-expires", "x-max-length", "x-overflow", "x-dead-letter-exchange", "x-dead-letter-routing-key",
        "x-max-priority", "x-message-groups", "x-single-active-consumer",
    ];

    /// <summary>How many of the newest messages stay in memory for consumers that keep up.</summary>
    private const int TailCapacity = 8192;
    private const long TailMaxBytes = 16L * 1024 * 1024;

    /// <summary>Guards every mutable field below.</summary>
    private readonly Lock _lock = new();
    private readonly IStreamLog _log;
    private readonly StreamTail _tail = new(TailCapacity, TailMaxBytes);
    private readonly List<Binding> _incomingBindings = [];
    private readonly ITimer? _retentionTimer;
    /// <summary>The offset the next append gets (the log's, cached: only this queue appends). Lock held.</summary>
    private long _nextOffset;
    /// <summary>The oldest offset kept, as of the last retention pass. Lock held.</summary>
    private long _firstOffset;
    private bool _deleted;
    /// <summary>Completed by the next append, for readers waiting at the end; null while none waits. Lock held.</summary>
    private TaskCompletionSource? _appended;
    private static readonly Action<object?> NoConfirm = static _ => { };

    internal StreamQueue(QueueDeclaration declaration)
    {
        var (virtualHost, name, durable, exclusive, autoDelete, arguments, settings, _) = declaration;
        // RabbitMQ's words for the properties a stream cannot have.
        if (exclusive) throw Refused($"invalid property 'exclusive-owner' for queue '{name}' in vhost '{virtualHost.Name}'");
        if (autoDelete) throw Refused($"invalid property 'auto-delete' for queue '{name}' in vhost '{virtualHost.Name}'");
        if (!durable) throw Refused($"invalid property 'non-durable' for queue '{name}' in vhost '{virtualHost.Name}'");
        foreach (string key in RefusedArguments)
        {
            if (arguments is not null && arguments.ContainsKey(key))
                throw Refused($"invalid arg '{key}' for queue '{name}' in vhost '{virtualHost.Name}' of queue type stream");
        }
        VirtualHost = virtualHost;
        Name = name;
        Arguments = arguments ?? Binding.EmptyArguments;
        Settings = settings;
        Retention = new StreamRetention(settings.MaxLengthBytes, settings.MaxAge,
            settings.MaxSegmentSizeBytes ?? StreamRetention.DefaultMaxSegmentSizeBytes);
        _log = virtualHost.Broker.StreamStore?.OpenStream(virtualHost.Name, name, Retention) ?? new MemoryStreamLog(Retention);
        _nextOffset = _log.NextOffset;
        _firstOffset = _log.FirstOffset;
        _tail.Reset(_nextOffset);
        if (Retention.MaxAge is not null || Retention.MaxLengthBytes is not null)
        {
            // Retention runs on segments, so checking once a second (or a tenth of the age) is plenty.
            var period = TimeSpan.FromSeconds(1);
            if (Retention.MaxAge is { } age && age < TimeSpan.FromSeconds(10)) period = age / 10;
            _retentionTimer = virtualHost.Broker.Time.CreateTimer(static state => ((StreamQueue)state!).ApplyRetention(), this, period, period);
        }
    }

    private static BrokerException Refused(string message) => new(BrokerError.PreconditionFailed, message);

    public string Kind => KindName;
    public VirtualHost VirtualHost { get; }
    public MessageStats Stats { get; } = new();
    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;
    public string Name { get; }
    /// <summary>Always true: a stream is durable (RabbitMQ refuses a transient one).</summary>
    public bool Durable => true;
    public bool Exclusive => false;
    public bool AutoDelete => false;
    public IReadOnlyDictionary<string, object?> Arguments { get; }
    public QueueArguments Settings { get; }
    public ClientConnection? Owner => null;
    /// <summary>The retention this stream was declared with.</summary>
    public StreamRetention Retention { get; }

    /// <summary>The oldest offset kept.</summary>
    public long FirstOffset { get { lock (_lock) return _firstOffset; } }
    /// <summary>The offset the next append gets.</summary>
    public long NextOffset { get { lock (_lock) return _nextOffset; } }
    /// <summary>Bytes the stream takes in its log.</summary>
    public long SizeBytes => _log.SizeBytes;
    /// <summary>How many segments the log has.</summary>
    public int SegmentCount => _log.SegmentCount;
    /// <summary>When the oldest kept message was appended (Unix ms; 0 when empty).</summary>
    public long FirstTimestampMs => _log.FirstTimestampMs;

    /// <summary>Messages kept (RabbitMQ lists a stream's committed messages as its message count).</summary>
    public int MessageCount { get { lock (_lock) return (int)Math.Min(int.MaxValue, _nextOffset - _firstOffset); } }
    public long MessageBytes => _log.SizeBytes;
    public int UnackedCount { get { lock (_lock) return _unackedCount; } }
    public int ConsumerCount { get { lock (_lock) return _consumers.Count; } }
    public bool IsDeleted { get { lock (_lock) return _deleted; } }
    public IReadOnlyList<Consumer> Consumers { get { lock (_lock) return [.. _consumers.Select(c => c.Consumer)]; } }
    public Consumer? ActiveConsumer => null;
    public long MessagesInMemory { get { lock (_lock) return _tail.Count; } }
    public int DelayedCount => 0;

    private long NowMs => VirtualHost.Broker.Time.GetUtcNow().ToUnixTimeMilliseconds();

    // ---- appending ----

    EnqueueResult IQueue.Enqueue(Message message, ConfirmRequest? confirm, long deliverAtMs)
    {
        lock (_lock)
        {
            if (_deleted) return EnqueueResult.Accepted;
            long now = NowMs;
            long offset = _nextOffset;
            // The offset goes into the message once, at append, so every reader (any protocol,
            // any consumer, after a restart) sees the same header without a copy per delivery.
            var headers = (message.Properties.Headers ?? MessageHeaders.Empty).With(StreamStart.OffsetArgument, offset);
            var stored = message.WithProperties(message.Properties.With(headers: headers, durable: true));
            var hold = confirm?.Hold();
            long appended = _log.Append(stored, now, hold is null ? NoConfirm : PendingConfirm.OnDurable, hold);
            Debug.Assert(appended == offset, "only this queue appends to its log");
            _nextOffset = offset + 1;
            _tail.Add(new StreamEntry(offset, now, stored));
            Stats.Add(MessageStat.Publish);
            if (_appended is { } waiting)
            {
                _appended = null;
                waiting.TrySetResult();
            }
            DispatchLocked();
            return EnqueueResult.Accepted;
        }
    }

    /// <summary>Completes once an append puts a message at <paramref name="offset"/> or later (at once if one is there).</summary>
    public Task WhenAppendedAsync(long offset, CancellationToken cancellation)
    {
        Task wait;
        lock (_lock)
        {
            if (_deleted || _nextOffset > offset) return Task.CompletedTask;
            _appended ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            wait = _appended.Task;
        }
        return wait.WaitAsync(cancellation);
    }

    Task IQueue.WhenReadyAsync(CancellationToken cancellation) => WhenAppendedAsync(NextOffset, cancellation);

    /// <summary>Deletes segments past the retention and moves readers on from what went.</summary>
    private void ApplyRetention()
    {
        VirtualHost.Broker.Faults.Guard($"retention of stream '{Name}' in vhost '{VirtualHost.Name}'", this, static queue =>
        {
            lock (queue._lock)
            {
                if (queue._deleted) return;
                queue._log.ApplyRetention(queue.NowMs);
                queue._firstOffset = queue._log.FirstOffset;
                queue._tail.DropBefore(queue._firstOffset);
            }
        });
    }

    // ---- what a stream does not do ----

    bool IQueue.TryTake(bool noAck, out QueueDelivery delivery, out int remaining) =>
        throw new BrokerException(BrokerError.NotImplemented,
            $"basic.get not supported by stream queues queue '{Name}' in vhost '{VirtualHost.Name}'");

    int IQueue.Receive(int max, long visibleAgainAtMs, List<QueueDelivery> into) =>
        throw new BrokerException(BrokerError.NotImplemented,
            $"queue '{Name}' in vhost '{VirtualHost.Name}' is a stream: it is read by consumers and stored positions, not received from");

    bool IQueue.TryFindDelivery(DeliveryToken token, out DeliveryHandle handle)
    {
        handle = default;
        return false;
    }

    int IQueue.ChangeVisibility(ReadOnlySpan<DeliveryHandle> handles, TimeSpan visibilityTimeout) => 0;

    /// <summary>Reads never remove anything and neither does a purge: RabbitMQ refuses it on a stream.</summary>
    int IQueue.Purge() =>
        throw new BrokerException(BrokerError.PreconditionFailed,
            $"purge not supported by stream queues queue '{Name}' in vhost '{VirtualHost.Name}'");

    // ---- management ----

    (int Messages, List<Consumer> Consumers) IQueue.MarkDeleted(bool deleteLog)
    {
        lock (_lock)
        {
            if (_deleted) return (0, []);
            _deleted = true;
            int count = (int)Math.Min(int.MaxValue, _nextOffset - _firstOffset);
            var consumers = _consumers.Select(c => c.Consumer).ToList();
            foreach (var c in _consumers)
            {
                c.Consumer.IsActive = false;
                c.CloseCursor();
            }
            _consumers.Clear();
            _tail.Reset(_nextOffset);
            _retentionTimer?.Dispose();
            _appended?.TrySetResult();
            _appended = null;
            if (deleteLog) _log.Delete();
            else _log.Close();
            return (count, consumers);
        }
    }

    List<Binding> IQueue.IncomingBindings => _incomingBindings;

    void IQueue.MarkUsed() { }
}
