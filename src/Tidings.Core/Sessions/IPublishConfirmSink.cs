namespace Tidings.Core.Sessions;

/// <summary>
/// Told when a published message is safe: every queue it was routed to has taken responsibility
/// for it (or it was unroutable, or a full queue refused it). This is the publisher-confirm hook.
/// In-memory queues settle before <see cref="Session.Publish(Messages.Message, ulong, bool)"/> returns; a durable queue settles
/// later, from its store's flush loop, once the message is on disk — so implementations must
/// accept calls from any thread and in any order.
/// </summary>
public interface IPublishConfirmSink
{
    /// <summary>
    /// The message published with <paramref name="publishId"/> is settled: <paramref name="accepted"/>
    /// is false when a queue refused it (x-overflow reject-publish), which AMQP reports as a nack.
    /// </summary>
    void Settled(ulong publishId, bool accepted);
}
