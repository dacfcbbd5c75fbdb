using Tidings.Amqp.Protocol;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;

namespace Tidings.Amqp.Connection;

internal sealed partial class AmqpChannel : IConsumerSink, IPublishConfirmSink
{
    /// <summary>A publish or settlement held back until tx.commit.</summary>
    private readonly List<Action> _txActions = [];
    /// <summary>tx.select was received; the session records it (listings read it there).</summary>
    private bool TxMode => _session.Transactional;
    /// <summary>Numbers publishes and sends their confirms in order; set by confirm.select.</summary>
    private ConfirmTracker? _confirms;
    /// <summary>Thread id of the reader while it is inside a publish: settlements seen then are flushed at the end of the read batch.</summary>
    private volatile int _publishingThread;
    /// <summary>This channel's private direct reply-to address, while it has a reply consumer.</summary>
    private string? _replyToName;
    private string? _replyConsumerTag;

    // ---- publishing ----

    /// <summary>Publishes an assembled message and then drops the channel's reference to it.</summary>
    private void Publish(BasicPublish publish, Message message)
    {
        _connection.HasPublished = true;
        if (TxMode) DeferPublish(publish, message);
        else PublishNow(publish, message);
    }

    private void DeferPublish(BasicPublish publish, Message message) => _txActions.Add(() => PublishNow(publish, message));

    private void PublishNow(BasicPublish publish, Message message)
    {
        try
        {
            PublishAndReturn(publish, message);
        }
        finally
        {
            // The queues hold their own references; the pool gets the message back after the last ack.
            MessagePool.ReleasePublisherReference(message);
        }
    }

    private void PublishAndReturn(BasicPublish publish, Message message)
    {
        var published = message;
        if (message.Properties.ReplyTo == VirtualHost.DirectReplyToQueue)
        {
            if (_replyToName is null)
                throw AmqpException.Channel(AmqpReplyCodes.PreconditionFailed, "fast reply consumer does not exist");
            published = message.WithProperties(message.Properties.With(replyTo: _replyToName));
        }
        ulong publishId = _confirms?.NextSequence() ?? 0;
        _publishingThread = Environment.CurrentManagedThreadId;
        PublishResult result;
        try
        {
            result = _session.Publish(published, publishId, publish.Mandatory);
        }
        finally
        {
            _publishingThread = 0;
        }
        if (result.Unroutable && publish.Mandatory)
        {
            // Written now; the ack that covers this message goes out at the end of the read
            // batch (FlushConfirms), so the return always precedes it, as RabbitMQ guarantees.
            var w = _connection.Output.Enter();
            try
            {
                FrameWriter.WriteContentMethod(w, Number, new BasicReturn
                {
                    ReplyCode = AmqpReplyCodes.NoRoute,
                    ReplyText = "NO_ROUTE",
                    Exchange = publish.Exchange,
                    RoutingKey = publish.RoutingKey,
                }, published.Properties, published.Body.Span, _connection.FrameMax);
            }
            finally
            {
                _connection.Output.Exit();
            }
        }
    }

    /// <summary>
    /// The core's confirm hook. Settlements made inside the reader's publish (in-memory queues)
    /// wait for the end of the read batch, so a burst costs one ack; settlements from the store's
    /// commit loop (persistent messages, after fsync) are sent at once.
    /// </summary>
    void IPublishConfirmSink.Settled(ulong publishId, bool accepted)
    {
        var confirms = _confirms!;
        confirms.Settle(publishId, accepted);
        if (_publishingThread != Environment.CurrentManagedThreadId) confirms.Flush();
    }

    /// <summary>Sends the confirms that are due; called at the end of each read batch.</summary>
    public void FlushConfirms() => _confirms?.Flush();

    private void OnConfirmSelect(ConfirmSelect select)
    {
        if (TxMode)
            throw AmqpException.Channel(AmqpReplyCodes.PreconditionFailed, "cannot switch from tx to confirm mode");
        _confirms ??= new ConfirmTracker(
            (tag, multiple) => _connection.Send(Number, new BasicAck { DeliveryTag = tag, Multiple = multiple }),
            tag => _connection.Send(Number, new BasicNack { DeliveryTag = tag, Multiple = false, Requeue = false }));
        _session.ConfirmSink = this;
        _session.ConfirmMode = true;
        if (!select.NoWait) _connection.Send(Number, new ConfirmSelectOk());
    }

    // ---- transactions ----

    private void OnTxSelect()
    {
        if (_confirms is not null)
            throw AmqpException.Channel(AmqpReplyCodes.PreconditionFailed, "cannot switch from confirm to tx mode");
        _session.Transactional = true;
        _connection.Send(Number, new TxSelectOk());
    }

    private void OnTxCommit()
    {
        if (!TxMode) throw AmqpException.Channel(AmqpReplyCodes.PreconditionFailed, "channel is not transactional");
        var actions = _txActions.ToArray();
        _txActions.Clear();
        foreach (var action in actions) action();
        _connection.Send(Number, new TxCommitOk());
    }

    private void OnTxRollback()
    {
        if (!TxMode) throw AmqpException.Channel(AmqpReplyCodes.PreconditionFailed, "channel is not transactional");
        _txActions.Clear();
        _connection.Send(Number, new TxRollbackOk());
    }

    // ---- settling ----

    // Outside a transaction these call the session directly. The deferred forms live in their
    // own methods because a lambda capturing a parameter allocates its closure on method entry,
    // which would cost every ack an allocation.
    private void OnAck(BasicAck ack)
    {
        if (TxMode) DeferAck(ack);
        else _session.Ack(ack.DeliveryTag, ack.Multiple);
    }

    private void OnNack(BasicNack nack)
    {
        if (TxMode) DeferNack(nack.DeliveryTag, nack.Multiple, nack.Requeue);
        else _session.Nack(nack.DeliveryTag, nack.Multiple, nack.Requeue);
    }

    private void OnReject(BasicReject reject)
    {
        if (TxMode) DeferNack(reject.DeliveryTag, multiple: false, reject.Requeue);
        else _session.Nack(reject.DeliveryTag, multiple: false, reject.Requeue);
    }

    private void DeferAck(BasicAck ack) => _txActions.Add(() => _session.Ack(ack.DeliveryTag, ack.Multiple));

    private void DeferNack(ulong deliveryTag, bool multiple, bool requeue) =>
        _txActions.Add(() => _session.Nack(deliveryTag, multiple, requeue));

    private void OnRecover(bool requeue, bool async)
    {
        if (!requeue) throw AmqpException.Connection(AmqpReplyCodes.NotImplemented, "requeue=false");
        // recover-ok goes out before the redeliveries that requeueing triggers at once, as in RabbitMQ.
        if (!async) _connection.Send(Number, new BasicRecoverOk());
        _session.Recover();
    }

    // ---- consuming ----

    private void OnQos(BasicQos qos)
    {
        if (qos.PrefetchSize != 0)
            throw AmqpException.Connection(AmqpReplyCodes.NotImplemented, $"prefetch_size!=0 ({qos.PrefetchSize})");
        _session.SetPrefetch(qos.PrefetchCount, qos.Global);
        _connection.Send(Number, new BasicQosOk());
    }

    private void OnConsume(BasicConsume consume)
    {
        string queue = QueueOrLast(consume.Queue);
        if (queue == VirtualHost.DirectReplyToQueue)
        {
            ConsumeReplyTo(consume);
            return;
        }
        _session.Consume(queue, consume.ConsumerTag, consume.NoAck, consume.Exclusive, consume.Arguments, this,
            onRegistered: consumer =>
            {
                if (!consume.NoWait) _connection.Send(Number, new BasicConsumeOk { ConsumerTag = consumer.Tag });
            });
    }

    private void ConsumeReplyTo(BasicConsume consume)
    {
        if (!consume.NoAck)
            throw AmqpException.Channel(AmqpReplyCodes.PreconditionFailed, "reply consumer cannot acknowledge");
        if (_replyToName is not null)
            throw AmqpException.Channel(AmqpReplyCodes.PreconditionFailed, "reply consumer already set");
        string tag = string.IsNullOrEmpty(consume.ConsumerTag)
            ? GeneratedNames.New("amq.ctag-")
            : consume.ConsumerTag;
        _replyConsumerTag = tag;
        _replyToName = _session.Connection.VirtualHost.RegisterReplyConsumer(_session, tag, this);
        if (!consume.NoWait) _connection.Send(Number, new BasicConsumeOk { ConsumerTag = tag });
    }

    private void OnCancel(BasicCancel cancel)
    {
        if (cancel.ConsumerTag == _replyConsumerTag) ReleaseDirectReplyTo();
        else _session.Cancel(cancel.ConsumerTag);
        // An unknown tag (e.g. the broker already cancelled it) still gets cancel-ok.
        if (!cancel.NoWait) _connection.Send(Number, new BasicCancelOk { ConsumerTag = cancel.ConsumerTag });
    }

    private void ReleaseDirectReplyTo()
    {
        if (_replyToName is null) return;
        _session.Connection.VirtualHost.UnregisterReplyConsumer(_replyToName);
        _replyToName = null;
        _replyConsumerTag = null;
    }

    private void OnGet(BasicGet get)
    {
        var result = _session.Get(QueueOrLast(get.Queue), get.NoAck);
        if (result is null)
        {
            _connection.Send(Number, new BasicGetEmpty());
            return;
        }
        var message = result.Message;
        var w = _connection.Output.Enter();
        try
        {
            FrameWriter.WriteContentMethod(w, Number, new BasicGetOk
            {
                DeliveryTag = result.DeliveryTag,
                Redelivered = result.Redelivered,
                Exchange = message.Exchange,
                RoutingKey = message.RoutingKey,
                MessageCount = (uint)result.MessagesRemaining,
            }, message.Properties, message.Body.Span, _connection.FrameMax);
        }
        finally
        {
            _connection.Output.Exit();
        }
    }

    private void OnFlow(ChannelFlow flow)
    {
        // RabbitMQ no longer lets clients stop deliveries with channel.flow; prefetch does that.
        if (!flow.Active) throw AmqpException.Connection(AmqpReplyCodes.NotImplemented, "active=false");
        _connection.Send(Number, new ChannelFlowOk { Active = true });
    }

    // ---- IConsumerSink: called from queue threads ----

    void IConsumerSink.Deliver(in Delivery delivery)
    {
        var message = delivery.Message;
        var output = _connection.Output;
        var w = output.Enter();
        try
        {
            FrameWriter.WriteContentMethod(w, Number, new BasicDeliver
            {
                ConsumerTag = delivery.ConsumerTag,
                DeliveryTag = delivery.DeliveryTag,
                Redelivered = delivery.Redelivered,
                Exchange = message.Exchange,
                RoutingKey = message.RoutingKey,
            }, message.Properties, message.Body.Span, _connection.FrameMax);
        }
        finally
        {
            output.Exit();
        }
        _connection.CheckOutputPressure();
    }

    /// <summary>
    /// A delivery could not be encoded (the broker stopped the consumer and kept the message): the
    /// connection closes with 541 INTERNAL_ERROR, through its reader loop, as RabbitMQ closes a
    /// connection whose channel crashed. Nothing half-written reached the socket (FrameWriter).
    /// </summary>
    void IConsumerSink.DeliveryFailed(Consumer? consumer, Exception error) =>
        _connection.RequestClose(AmqpException.Connection(AmqpReplyCodes.InternalError,
            $"delivery to consumer '{consumer?.Tag ?? _replyConsumerTag}' on channel {Number} failed: {error.GetType().Name}"));

    /// <summary>Deliver copies the frames into the output buffer before it returns.</summary>
    bool IConsumerSink.CopiesDuringDeliver => true;

    void IConsumerSink.CancelledByBroker(Consumer consumer)
    {
        if (_connection.ClientHas(ClientCapabilities.ConsumerCancelNotify))
            _connection.Send(Number, new BasicCancel { ConsumerTag = consumer.Tag, NoWait = true });
    }

    private string QueueOrLast(string queue)
    {
        if (queue.Length > 0) return queue;
        return _lastQueue ?? throw AmqpException.Channel(AmqpReplyCodes.NotFound, "no previously declared queue");
    }
}
