namespace Tidings.Core.Sessions;

/// <summary>
/// Where a consumer's messages go: implemented by protocol adapters (an AMQP channel writer,
/// an HTTP stream) or by in-process code. Calls come from queue threads, one at a time per
/// session, and must not block or call back into the broker.
/// </summary>
public interface IConsumerSink
{
    /// <summary>Hands over one delivery, in delivery-tag order within the session.</summary>
    void Deliver(in Delivery delivery);

    /// <summary>
    /// True when <see cref="Deliver"/> has copied all it needs from the message before it
    /// returns (an AMQP writer does). Otherwise the message is pinned first, so it stays valid
    /// however long the sink keeps it (see <see cref="Messages.Message.Pin"/>).
    /// </summary>
    bool CopiesDuringDeliver => false;

    /// <summary>The broker ended the consumer (its queue was deleted); the client should be told.</summary>
    void CancelledByBroker(Consumer consumer);

    /// <summary>
    /// <see cref="Deliver"/> threw: the broker has stopped the consumer (null for a direct reply-to
    /// delivery), put the message back in its queue and reported the fault. Called later on a
    /// thread-pool thread, outside every broker lock; the adapter closes what the fault belongs to
    /// (AMQP: the connection, with 541 INTERNAL_ERROR). By default nothing more happens.
    /// </summary>
    void DeliveryFailed(Consumer? consumer, Exception error) { }
}
