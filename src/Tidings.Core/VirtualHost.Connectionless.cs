using Tidings.Core.Limits;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Security;

namespace Tidings.Core;

/// <summary>
/// Queue access without a connection or session, for request/response adapters (SQS
/// ReceiveMessage and SendMessage, the REST get): a receive hands out deliveries with a
/// visibility timeout, after which they return to the queue on their own; any later request
/// settles them by handle. Misses are statuses (0 received, 0 settled), not exceptions.
/// </summary>
public sealed partial class VirtualHost
{
    /// <summary>
    /// Takes up to <paramref name="maxMessages"/> ready messages from <paramref name="queueName"/>
    /// into <paramref name="into"/>. Each stays invisible for <paramref name="visibilityTimeout"/>
    /// and then returns to the queue, marked redelivered, unless settled first. Returns how many were taken.
    /// </summary>
    /// <remarks>The caller's (<paramref name="user"/>'s) read permission is checked; null is in-process code.</remarks>
    /// <exception cref="BrokerException">Missing queue, no permission, or an exclusive queue (it belongs to a connection).</exception>
    public int Receive(string queueName, User? user, int maxMessages, TimeSpan visibilityTimeout, List<QueueDelivery> into)
    {
        var queue = QueueForConnectionless(queueName, user, Permission.Read);
        if (maxMessages <= 0) return 0;
        long visibleAgainAt = Broker.Time.GetUtcNow().ToUnixTimeMilliseconds() + (long)visibilityTimeout.TotalMilliseconds;
        int start = into.Count;
        int taken = queue.Receive(maxMessages, visibleAgainAt, into);
        for (int i = start; i < start + taken; i++)
        {
            queue.Stats.Add(MessageStat.Get);
            Stats.Add(MessageStat.Get);
            if (into[i].Redelivered)
            {
                queue.Stats.Add(MessageStat.Redeliver);
                Stats.Add(MessageStat.Redeliver);
            }
        }
        return taken;
    }

    /// <summary>Completes when <paramref name="queueName"/> has a ready message (long polling); a receive may still find none if a consumer was faster.</summary>
    public Task WhenReadyAsync(string queueName, User? user, CancellationToken cancellation) =>
        QueueForConnectionless(queueName, user, Permission.Read).WhenReadyAsync(cancellation);

    /// <summary>
    /// Settles deliveries by handle, from any request: ack, requeue, reject (dead-letter) or
    /// requeue after <paramref name="delay"/>. Handles that are stale (settled, or returned by their
    /// visibility timeout) are skipped. Returns how many were settled.
    /// </summary>
    public int Settle(ReadOnlySpan<DeliveryHandle> handles, Settlement how, TimeSpan delay = default)
    {
        int settled = 0;
        for (int start = 0; start < handles.Length;)
        {
            var queue = handles[start].Queue;
            int end = start + 1;
            while (end < handles.Length && ReferenceEquals(handles[end].Queue, queue)) end++;
            if (queue is not null && queue.VirtualHost == this)
            {
                int done = queue.Settle(handles[start..end], how, delay);
                settled += done;
                if (how == Settlement.Ack && done > 0)
                {
                    queue.Stats.Add(MessageStat.Ack, done);
                    Stats.Add(MessageStat.Ack, done);
                }
            }
            start = end;
        }
        return settled;
    }

    /// <summary>
    /// Finds a delivery handed out by <see cref="Receive"/> from its <see cref="DeliveryHandle.Token"/>
    /// (an SQS receipt handle), while it is still out: not settled, not returned by its visibility
    /// timeout, not purged. False otherwise, also when the queue does not exist. No permission is
    /// checked: the token is the receipt the receiver was given.
    /// </summary>
    public bool TryFindDelivery(string queueName, DeliveryToken token, out DeliveryHandle handle)
    {
        handle = default;
        return _queues.TryGetValue(queueName, out var queue) && queue.TryFindDelivery(token, out handle);
    }

    /// <summary>
    /// Moves the visibility deadline of received deliveries to now + <paramref name="visibilityTimeout"/>
    /// (longer or shorter than before: SQS ChangeMessageVisibility). The delivery stays out under the
    /// same handle, so a later <see cref="Settle"/> by it still works; zero makes it visible now
    /// (back in the queue, redelivered, the handle stale). Stale handles and deliveries not made by a
    /// connectionless receive are skipped. Returns how many were changed.
    /// </summary>
    public int ChangeVisibility(ReadOnlySpan<DeliveryHandle> handles, TimeSpan visibilityTimeout)
    {
        int changed = 0;
        for (int start = 0; start < handles.Length;)
        {
            var queue = handles[start].Queue;
            int end = start + 1;
            while (end < handles.Length && ReferenceEquals(handles[end].Queue, queue)) end++;
            if (queue is not null && queue.VirtualHost == this) changed += queue.ChangeVisibility(handles[start..end], visibilityTimeout);
            start = end;
        }
        return changed;
    }

    /// <summary>
    /// Puts <paramref name="message"/> straight into <paramref name="queueName"/> (SQS SendMessage),
    /// not deliverable before <paramref name="deliveryDelay"/> has passed (SQS DelaySeconds).
    /// The caller keeps its own reference to the message.
    /// </summary>
    /// <remarks>The caller's (<paramref name="user"/>'s) write permission on the queue is checked; null is in-process code.</remarks>
    public EnqueueResult SendToQueue(string queueName, Message message, TimeSpan deliveryDelay = default, User? user = null)
    {
        var queue = QueueForConnectionless(queueName, user, Permission.Write);
        MessageLimits.Check(message);
        Stats.Add(MessageStat.Publish);
        long deliverAt = deliveryDelay > TimeSpan.Zero
            ? Broker.Time.GetUtcNow().ToUnixTimeMilliseconds() + (long)deliveryDelay.TotalMilliseconds
            : 0;
        return queue.Enqueue(message, confirm: null, deliverAt);
    }

    /// <summary>A queue a connectionless caller may use: an exclusive queue always belongs to some connection, so it is locked to them.</summary>
    private IQueue QueueForConnectionless(string name, User? user, Permission permission)
    {
        if (!_queues.TryGetValue(name, out var queue)) throw BrokerException.NoQueue(name, Name);
        if (queue.Exclusive && user is not null) throw Locked(queue);
        Authorize(user, permission, name, "queue");
        return queue;
    }
}
