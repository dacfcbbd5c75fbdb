using Tidings.Core.Exchanges;
using Tidings.Core.Limits;
using Tidings.Core.Messages;
using Tidings.Core.Security;
using Tidings.Core.Queues;

namespace Tidings.Core.Sessions;

/// <summary>
/// A unit of work inside a connection (an AMQP channel, an MQTT session): it publishes, consumes,
/// gets and settles deliveries by tag. The owning adapter calls it from one thread at a time;
/// queues call <see cref="DeliverFromQueue"/> from theirs, which is why the tag ledger is locked.
/// A session can outlive its connection: detached, it keeps its consumers and unacked
/// deliveries, and another connection re-attaches it (see Session.Attachment.cs).
/// Lock order: queue lock, then session lock, then the sink. Never the other way round.
/// </summary>
public sealed partial class Session
{
    /// <summary>Guards the fields below up to the counters.</summary>
    private readonly Lock _lock = new();
    /// <summary>Deliveries awaiting ack, in tag order.</summary>
    private readonly UnackedLedger _unacked = new();
    /// <summary>Consumers by tag.</summary>
    private readonly Dictionary<string, Consumer> _consumers = new(StringComparer.Ordinal);
    private ulong _lastDeliveryTag;
    private bool _closed;
    /// <summary>Session-wide unacked count against <see cref="_sessionPrefetch"/>. Interlocked.</summary>
    private int _sessionUnacked;
    /// <summary>Shared limit for all consumers (basic.qos global=true); 0 = none.</summary>
    private volatile int _sessionPrefetch;
    /// <summary>Limit given to consumers created from now on (basic.qos global=false).</summary>
    private volatile int _consumerPrefetch;
    private volatile bool _flowActive = true;
    /// <summary>Scratch space reused by every publish on this session (single publisher thread); made by the first publish.</summary>
    private RoutingScratch? _routing;
    /// <summary>A list reused by settlements; taken with Interlocked.Exchange so a rare second caller makes its own.</summary>
    private List<Unacked>? _settleScratch = [];
    /// <summary>Handles of one settlement run, reused (the adapter settles from one thread at a time).</summary>
    // Empty until the first settlement: an idle session (an MQTT client that never subscribes) holds none.
    private DeliveryHandle[] _handleScratch = [];
    /// <summary>The confirm of the publish in progress, reused (single publisher thread).</summary>
    private readonly ConfirmRequest _confirm = new();

    internal Session(ClientConnection connection, int number)
    {
        _connection = connection;
        Number = number;
        VirtualHost = connection.VirtualHost;
    }

    /// <summary>The connection this session belongs to: the last one it was attached to while detached.</summary>
    public ClientConnection Connection => _connection;

    /// <summary>The virtual host the session works in; it never changes, whichever connection holds the session.</summary>
    public VirtualHost VirtualHost { get; }

    /// <summary>The channel number (the number given at the last attach).</summary>
    public int Number { get; private set; }

    /// <summary>Message counters of this session: publish, confirm, deliveries, gets, acks.</summary>
    public MessageStats Stats { get; } = new();

    /// <summary>Set by the adapter when the channel is in publisher-confirm mode (for listings).</summary>
    public bool ConfirmMode { get; set; }

    /// <summary>Set by the adapter when the channel is transactional (for listings).</summary>
    public bool Transactional { get; set; }

    /// <summary>False after channel.flow(false), while the adapter applies back-pressure, and while detached.</summary>
    public bool IsFlowActive => _flowActive && !_detached;

    /// <summary>Deliveries awaiting ack on this session.</summary>
    public int UnackedCount { get { lock (_lock) return _unacked.Count; } }

    /// <summary>The consumers of this session.</summary>
    public IReadOnlyList<Consumer> Consumers { get { lock (_lock) return [.. _consumers.Values]; } }

    /// <summary>Prefetch count given to new consumers (global=false).</summary>
    public int ConsumerPrefetch => _consumerPrefetch;

    /// <summary>Prefetch count shared by the session (global=true).</summary>
    public int SessionPrefetch => _sessionPrefetch;

    // ---- publishing ----

    /// <summary>Receives publisher confirms for publishes made with a non-zero publish id.</summary>
    public IPublishConfirmSink? ConfirmSink { get; set; }

    /// <summary>
    /// Publishes a message through <paramref name="exchange"/>. With a non-zero
    /// <paramref name="publishId"/> and a <see cref="ConfirmSink"/>, the sink is told when the
    /// message is settled (see <see cref="IPublishConfirmSink"/>).
    /// </summary>
    /// <exception cref="BrokerException">Missing or internal exchange, bad expiration, no permission.</exception>
    public PublishResult Publish(string exchange, string routingKey, MessageProperties properties, ReadOnlyMemory<byte> body,
        ulong publishId = 0, bool mandatory = false) =>
        Publish(new Message(exchange, routingKey, properties, body), publishId, mandatory);

    /// <summary>
    /// Publishes a message made by the caller, e.g. one rented from <see cref="Broker.Messages"/>;
    /// the caller keeps its own reference and releases it afterwards.
    /// </summary>
    /// <exception cref="BrokerException">Missing or internal exchange, bad expiration, no permission.</exception>
    public PublishResult Publish(Message message, ulong publishId = 0, bool mandatory = false)
    {
        // A confirmed publish settles when every durable queue has it on disk (see PendingConfirm).
        ConfirmRequest? confirm = null;
        if (publishId != 0 && ConfirmSink is { } sink)
        {
            confirm = _confirm;
            confirm.Begin(sink, publishId);
        }
        var result = VirtualHost.Publish(message, Connection.User, _routing ??= new RoutingScratch(), confirm);
        var vhostStats = VirtualHost.Stats;
        Stats.Add(MessageStat.Publish);
        if (result.Unroutable)
        {
            var stat = mandatory ? MessageStat.ReturnUnroutable : MessageStat.DropUnroutable;
            Stats.Add(stat);
            vhostStats.Add(stat);
        }
        if (publishId != 0 && ConfirmSink is not null)
        {
            Stats.Add(MessageStat.Confirm);
            vhostStats.Add(MessageStat.Confirm);
        }
        // In-memory queues took the message inside Publish; durable ones release their hold
        // from the store's commit loop once it is on disk. Whichever comes last settles.
        confirm?.Finish(result.Rejected);
        return result;
    }

    // ---- consuming ----

    /// <summary>
    /// Starts a consumer on <paramref name="queueName"/>. <paramref name="onRegistered"/> runs once the
    /// consumer is registered and before its first delivery (an adapter sends consume-ok there).
    /// </summary>
    public Consumer Consume(string queueName, string? consumerTag, bool noAck, bool exclusive,
        IReadOnlyDictionary<string, object?>? arguments, IConsumerSink sink, Action<Consumer>? onRegistered = null)
    {
        var queue = VirtualHost.GetQueueForUse(queueName, Connection, Permission.Read);
        string tag = string.IsNullOrEmpty(consumerTag) ? NewConsumerTag() : consumerTag;
        BrokerLimits.CheckShortString("consumer tag", tag);
        BrokerLimits.CheckTable("consumer arguments", arguments);
        int priority = ConsumerPriority(arguments);
        Consumer consumer;
        lock (_lock)
        {
            ThrowIfClosed();
            if (_consumers.ContainsKey(tag))
                throw new BrokerException(BrokerError.NotAllowed, $"attempt to reuse consumer tag '{tag}'");
            consumer = new Consumer(this, queue, tag, noAck, exclusive, priority, (ushort)_consumerPrefetch, sink, arguments);
            _consumers[tag] = consumer;
        }
        try
        {
            queue.AddConsumer(consumer, onRegistered);
        }
        catch
        {
            lock (_lock) _consumers.Remove(tag);
            throw;
        }
        return consumer;
    }

    /// <summary>x-priority: an integer that fits 32 bits, as RabbitMQ checks it; 0 when absent.</summary>
    private static int ConsumerPriority(IReadOnlyDictionary<string, object?>? arguments)
    {
        if (arguments is null || !arguments.TryGetValue("x-priority", out var value)) return 0;
        if (FieldValue.AsLong(value) is { } priority && priority >= int.MinValue && priority <= int.MaxValue) return (int)priority;
        throw new BrokerException(BrokerError.PreconditionFailed,
            $"invalid arg 'x-priority' for consumer: {BrokerLimits.Shorten(FieldValue.Describe(value))}");
    }

    /// <summary>Stops a consumer. Its unacked deliveries stay unacked. False when the tag is unknown.</summary>
    public bool Cancel(string consumerTag)
    {
        Consumer? consumer;
        lock (_lock)
        {
            if (!_consumers.Remove(consumerTag, out consumer)) return false;
        }
        consumer.Queue.RemoveConsumer(consumer);
        return true;
    }

    /// <summary>Pulls one message; null when the queue is empty. Prefetch does not apply.</summary>
    public GetResult? Get(string queueName, bool noAck)
    {
        var queue = VirtualHost.GetQueueForUse(queueName, Connection, Permission.Read);
        lock (_lock) ThrowIfClosed();
        if (!queue.TryTake(noAck, out var got, out int remaining)) return null;
        ulong tag;
        lock (_lock)
        {
            tag = ++_lastDeliveryTag;
            if (!noAck) _unacked.Add(tag, got.Handle, null);
        }
        Count(queue, noAck ? MessageStat.GetNoAck : MessageStat.Get, got.Redelivered);
        return new GetResult(tag, got.Redelivered, queue.Name, got.Message, remaining, got.DeliveryCount);
    }

    /// <summary>Sets prefetch: <paramref name="global"/> shares one limit across the session,
    /// otherwise each consumer created afterwards gets its own (RabbitMQ's interpretation).</summary>
    public void SetPrefetch(ushort count, bool global)
    {
        if (global) _sessionPrefetch = count; else _consumerPrefetch = count;
        DispatchAll();
    }

    /// <summary>Pauses or resumes deliveries to this session's consumers (channel.flow, back-pressure).</summary>
    public void SetFlow(bool active)
    {
        _flowActive = active;
        if (active) DispatchAll();
    }

    // ---- settling ----

    /// <summary>Acks one delivery, or with <paramref name="multiple"/> every one up to the tag (0 = all).</summary>
    public void Ack(ulong deliveryTag, bool multiple)
    {
        var taken = TakeForSettling(deliveryTag, multiple);
        // The virtual host settles each run of deliveries from one queue under one lock, with one
        // dispatch after, and counts the acks on the queue and itself.
        VirtualHost.Settle(Handles(taken), Settlement.Ack);
        Stats.Add(MessageStat.Ack, taken.Count);
        ReturnScratch(taken);
        AfterCreditReleased();
    }

    /// <summary>The handles of <paramref name="taken"/>, in a buffer reused by every settlement (reader thread only).</summary>
    private ReadOnlySpan<DeliveryHandle> Handles(List<Unacked> taken)
    {
        if (_handleScratch.Length < taken.Count) _handleScratch = new DeliveryHandle[Math.Max(Math.Max(taken.Count, 16), _handleScratch.Length * 2)];
        for (int i = 0; i < taken.Count; i++) _handleScratch[i] = taken[i].Handle;
        return _handleScratch.AsSpan(0, taken.Count);
    }

    /// <summary>Rejects deliveries: requeued (marked redelivered) or dead-lettered/dropped.</summary>
    public void Nack(ulong deliveryTag, bool multiple, bool requeue)
    {
        var taken = TakeForSettling(deliveryTag, multiple);
        VirtualHost.Settle(Handles(taken), requeue ? Settlement.Requeue : Settlement.Reject);
        ReturnScratch(taken);
        AfterCreditReleased();
    }

    /// <summary>Requeues every unacked delivery of the session (basic.recover requeue=true).</summary>
    public void Recover() => Nack(0, multiple: true, requeue: true);

    /// <summary>Cancels the consumers and requeues unacked deliveries (channel or connection closed).</summary>
    public void Close()
    {
        List<Consumer> consumers;
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            consumers = [.. _consumers.Values];
            _consumers.Clear();
        }
        foreach (var consumer in consumers) consumer.Queue.RemoveConsumer(consumer);
        Recover();
        Connection.SessionClosed(this);
    }

    // ---- called by queues ----

    /// <summary>
    /// Assigns the next delivery tag and hands the message to the consumer's sink.
    /// Called with the queue's lock held. False when the session has closed.
    /// </summary>
    /// <remarks>
    /// A sink that throws stops only its consumer: the tag is taken back, the consumer made
    /// inactive (the queue gives the message to the next one), the fault reported and the adapter
    /// told through <see cref="IConsumerSink.DeliveryFailed"/> to close what it belongs to.
    /// </remarks>
    internal bool DeliverFromQueue(Consumer consumer, IQueue queue, QueueEntry entry, DeliveryHandle handle)
    {
        lock (_lock)
        {
            // Detached between the consumer's credit check and here: the entry waits in the queue
            // for the re-attach (the consumer stays active).
            if (_detached && !_closed) return false;
            if (_closed || !consumer.IsActive)
            {
                // Not picked again: the queue moves on to its other consumers.
                consumer.IsActive = false;
                return false;
            }
            ulong tag = ++_lastDeliveryTag;
            if (!consumer.NoAck) _unacked.Add(tag, handle, consumer);
            if (!consumer.Sink.CopiesDuringDeliver) entry.Message.Pin();
            try
            {
                consumer.Sink.Deliver(new Delivery(consumer.Tag, tag, entry.Redelivered, queue.Name, entry.Message, handle, entry.DeliveryCount));
            }
            catch (Exception e)
            {
                if (!consumer.NoAck) _unacked.TryRemove(tag, out _);
                consumer.IsActive = false;
                ReportDeliveryFault(consumer.Sink, consumer, $"delivery from queue '{queue.Name}' in vhost '{queue.VirtualHost.Name}' to consumer '{consumer.Tag}'", e);
                return false;
            }
        }
        Count(queue, consumer.NoAck ? MessageStat.DeliverNoAck : MessageStat.Deliver, entry.Redelivered);
        return true;
    }

    /// <summary>
    /// Reports a failed delivery and tells the sink on the thread pool: the caller holds queue and
    /// session locks, and the adapter's reaction (closing a connection) must not run under them.
    /// </summary>
    private void ReportDeliveryFault(IConsumerSink sink, Consumer? consumer, string where, Exception error)
    {
        Connection.Broker.Faults.Report(where, error);
        ThreadPool.UnsafeQueueUserWorkItem(static state =>
        {
            var (broker, sink, consumer, error) = state;
            broker.Faults.Guard("consumer sink's DeliveryFailed", (sink, consumer, error), static s => s.sink.DeliveryFailed(s.consumer, s.error));
        }, (Connection.Broker, sink, consumer, error), preferLocal: false);
    }

    /// <summary>Counts a delivery or get on the session, its queue and its virtual host.</summary>
    private void Count(IQueue queue, MessageStat stat, bool redelivered)
    {
        Stats.Add(stat);
        queue.Stats.Add(stat);
        queue.VirtualHost.Stats.Add(stat);
        if (redelivered)
        {
            Stats.Add(MessageStat.Redeliver);
            queue.Stats.Add(MessageStat.Redeliver);
            queue.VirtualHost.Stats.Add(MessageStat.Redeliver);
        }
    }

    /// <summary>Delivers a direct reply-to message (no queue, no ack). False when the session closed.</summary>
    internal bool DeliverDirect(string consumerTag, IConsumerSink sink, Message message)
    {
        lock (_lock)
        {
            if (_closed || _detached) return false;
            ulong tag = ++_lastDeliveryTag;
            if (!sink.CopiesDuringDeliver) message.Pin();
            try
            {
                sink.Deliver(new Delivery(consumerTag, tag, false, VirtualHost.DirectReplyToQueue, message));
            }
            catch (Exception e)
            {
                ReportDeliveryFault(sink, null, $"direct reply-to delivery to consumer '{consumerTag}'", e);
                return false;
            }
            return true;
        }
    }

    /// <summary>The queue was deleted: forget the consumer and tell the client.</summary>
    internal void ConsumerCancelledByBroker(Consumer consumer)
    {
        bool detached;
        lock (_lock)
        {
            if (!_consumers.Remove(consumer.Tag)) return;
            detached = _detached;
        }
        // A detached session's sinks belong to a connection that is gone; the adapter that
        // re-attaches sees the consumer missing from Consumers.
        if (!detached) consumer.Sink.CancelledByBroker(consumer);
    }

    internal bool TryReserveSessionCredit()
    {
        int limit = _sessionPrefetch;
        if (Interlocked.Increment(ref _sessionUnacked) > limit && limit != 0)
        {
            Interlocked.Decrement(ref _sessionUnacked);
            return false;
        }
        return true;
    }

    internal void ReleaseSessionCredit() => Interlocked.Decrement(ref _sessionUnacked);

    // ---- helpers ----

    /// <summary>Takes every delivery up to <paramref name="deliveryTag"/> (0 = all), releasing their credit. Return the list with <see cref="ReturnScratch"/>.</summary>
    private List<Unacked> Take(ulong deliveryTag)
    {
        var taken = RentScratch();
        lock (_lock)
        {
            if (deliveryTag != 0 && !_unacked.Contains(deliveryTag))
            {
                ReturnScratch(taken);
                throw UnknownTag(deliveryTag);
            }
            _unacked.TakeUpTo(deliveryTag, taken);
        }
        foreach (var u in taken) u.Consumer?.Release();
        return taken;
    }

    private Unacked TakeOne(ulong deliveryTag)
    {
        Unacked taken;
        lock (_lock)
        {
            if (!_unacked.TryRemove(deliveryTag, out taken)) throw UnknownTag(deliveryTag);
        }
        taken.Consumer?.Release();
        return taken;
    }

    /// <summary>The deliveries an ack or nack settles: one tag, or with <paramref name="multiple"/> every one up to it.</summary>
    private List<Unacked> TakeForSettling(ulong deliveryTag, bool multiple)
    {
        if (multiple) return Take(deliveryTag);
        var taken = RentScratch();
        taken.Add(TakeOne(deliveryTag));
        return taken;
    }

    private List<Unacked> RentScratch() => Interlocked.Exchange(ref _settleScratch, null) ?? [];

    private void ReturnScratch(List<Unacked> list)
    {
        list.Clear();
        _settleScratch = list;
    }

    private static BrokerException UnknownTag(ulong deliveryTag) =>
        new(BrokerError.PreconditionFailed, $"unknown delivery tag {deliveryTag}");

    private void AfterCreditReleased()
    {
        if (_sessionPrefetch != 0) DispatchAll();
    }

    private void DispatchAll()
    {
        foreach (var queue in Consumers.Select(c => c.Queue).Distinct()) queue.Dispatch();
    }

    private void ThrowIfClosed()
    {
        if (_closed) throw new BrokerException(BrokerError.NotAllowed, "session is closed");
    }

    private static string NewConsumerTag() => GeneratedNames.New("amq.ctag-");
}
