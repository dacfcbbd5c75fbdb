using Tidings.Core.Exchanges;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;

namespace Tidings.Core.Queues;

/// <summary>
/// A queue of any kind, as routing, the virtual host, sessions and listings see it. Today's kind
/// is the classic queue (<see cref="MessageQueue"/>); streams and quorum queues will be others,
/// each one class plus one line in <see cref="QueueFactory"/>. The operations are internal: only
/// the core drives a queue, adapters go through <see cref="Session"/> and <see cref="VirtualHost"/>.
/// </summary>
public interface IQueue : IBindingDestination
{
    /// <summary>The x-queue-type this queue was declared with ("classic").</summary>
    string Kind { get; }
    VirtualHost VirtualHost { get; }
    /// <summary>Message counters: publish, deliver, get, redeliver, ack.</summary>
    MessageStats Stats { get; }
    /// <summary>When the queue was created.</summary>
    DateTimeOffset CreatedAt { get; }
    bool Durable { get; }
    /// <summary>Usable only by <see cref="Owner"/>; deleted when it closes.</summary>
    bool Exclusive { get; }
    /// <summary>Deleted when its last consumer goes (after it has had one).</summary>
    bool AutoDelete { get; }
    /// <summary>The declaration's arguments as given (listings, definitions, equivalence checks).</summary>
    IReadOnlyDictionary<string, object?> Arguments { get; }
    /// <summary>The arguments, parsed.</summary>
    QueueArguments Settings { get; }
    /// <summary>The connection owning an exclusive queue.</summary>
    ClientConnection? Owner { get; }
    /// <summary>Ready messages (RabbitMQ's message_count).</summary>
    int MessageCount { get; }
    /// <summary>Bytes of ready message bodies.</summary>
    long MessageBytes { get; }
    /// <summary>Delivered, not yet settled.</summary>
    int UnackedCount { get; }
    int ConsumerCount { get; }
    bool IsDeleted { get; }
    /// <summary>A snapshot of the consumers, in registration order.</summary>
    IReadOnlyList<Consumer> Consumers { get; }
    /// <summary>The consumer receiving messages when single-active-consumer is on.</summary>
    Consumer? ActiveConsumer { get; }
    /// <summary>Ready messages held as objects in memory, for tests and diagnostics.</summary>
    long MessagesInMemory { get; }
    /// <summary>Entries not deliverable yet: waiting out a delivery delay or a requeue after a delay (SQS ApproximateNumberOfMessagesDelayed).</summary>
    int DelayedCount { get; }

    // ---- driven by the core ----

    /// <summary>
    /// Offers a routed message. Accepted messages are delivered or kept in order; with
    /// <paramref name="deliverAtMs"/> (Unix ms, 0 = now) the first delivery waits until then.
    /// </summary>
    internal EnqueueResult Enqueue(Message message, ConfirmRequest? confirm = null, long deliverAtMs = 0);
    /// <summary>Registers a consumer; <paramref name="onRegistered"/> runs before its first delivery.</summary>
    internal void AddConsumer(Consumer consumer, Action<Consumer>? onRegistered);
    /// <summary>Removes a consumer (cancel or session close); may auto-delete the queue.</summary>
    internal void RemoveConsumer(Consumer consumer);
    /// <summary>Pulls one message (basic.get); false when the queue is empty. Without <paramref name="noAck"/> it stays out until settled by its handle.</summary>
    internal bool TryTake(bool noAck, out QueueDelivery delivery, out int remaining);
    /// <summary>
    /// Connectionless receive: takes up to <paramref name="max"/> ready messages into
    /// <paramref name="into"/>; each returns to the queue on its own at <paramref name="visibleAgainAtMs"/>
    /// (Unix ms) unless settled by its handle first. Returns how many were taken.
    /// </summary>
    internal int Receive(int max, long visibleAgainAtMs, List<QueueDelivery> into);
    /// <summary>
    /// Finds a delivery handed out by <see cref="Receive"/> that is still out (not settled, not
    /// returned by its visibility timeout) from its <see cref="DeliveryHandle.Token"/>.
    /// </summary>
    internal bool TryFindDelivery(DeliveryToken token, out DeliveryHandle handle);
    /// <summary>
    /// Moves the visibility deadline of received deliveries to now + <paramref name="visibilityTimeout"/>,
    /// keeping their handles; zero returns them to the queue now (their handles go stale). Stale
    /// handles and deliveries not made by <see cref="Receive"/> are skipped. Returns how many changed.
    /// </summary>
    internal int ChangeVisibility(ReadOnlySpan<DeliveryHandle> handles, TimeSpan visibilityTimeout);
    /// <summary>Completes when the queue has a ready message (at once if it has one now), for long-polling receivers.</summary>
    internal Task WhenReadyAsync(CancellationToken cancellation);
    /// <summary>Delivers ready messages to consumers with credit (after acks, qos changes, flow).</summary>
    internal void Dispatch();
    /// <summary>
    /// Settles deliveries of this queue under one lock, with one dispatch after; stale handles
    /// (settled, or returned by their visibility timeout) are skipped. Returns how many were settled.
    /// </summary>
    internal int Settle(ReadOnlySpan<DeliveryHandle> handles, Settlement how, TimeSpan delay = default);
    /// <summary>
    /// The message of a delivery still out under <paramref name="handle"/>, pinned for the caller
    /// (a re-attached session resending what its client never acknowledged); false when stale.
    /// </summary>
    internal bool TryReadOut(DeliveryHandle handle, out QueueDelivery delivery);
    /// <summary>
    /// Removes all ready and waiting messages, and drops the deliveries out with connectionless
    /// receivers (SQS PurgeQueue removes in-flight messages too); returns how many ready and waiting were removed.
    /// </summary>
    internal int Purge();
    /// <summary>Marks the queue deleted and returns its consumers; <paramref name="deleteLog"/> false keeps the durable log.</summary>
    internal (int Messages, List<Consumer> Consumers) MarkDeleted(bool deleteLog = true);
    /// <summary>Bindings pointing here. Caller holds the vhost topology lock.</summary>
    internal List<Binding> IncomingBindings { get; }
    /// <summary>Redeclare and passive declare count as use for x-expires.</summary>
    internal void MarkUsed();
}
