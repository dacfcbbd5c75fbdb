using System.Collections.Concurrent;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;

namespace Tidings.Core;

public sealed partial class VirtualHost
{
    /// <summary>The pseudo-queue a requester consumes from for RabbitMQ's direct reply-to.</summary>
    public const string DirectReplyToQueue = "amq.rabbitmq.reply-to";

    private const string DirectReplyToPrefix = DirectReplyToQueue + ".";

    /// <summary>A session's reply consumer, addressed by its private reply-to name.</summary>
    private sealed record ReplyConsumer(Session Session, string ConsumerTag, IConsumerSink Sink);

    /// <summary>Live reply consumers by their "amq.rabbitmq.reply-to.…" name.</summary>
    private readonly ConcurrentDictionary<string, ReplyConsumer> _replyConsumers = new(StringComparer.Ordinal);

    /// <summary>
    /// Registers <paramref name="session"/>'s direct reply-to consumer and returns the private
    /// name that replaces "amq.rabbitmq.reply-to" in the reply-to property of its requests.
    /// </summary>
    public string RegisterReplyConsumer(Session session, string consumerTag, IConsumerSink sink)
    {
        string name = GeneratedNames.New(DirectReplyToPrefix);
        _replyConsumers[name] = new ReplyConsumer(session, consumerTag, sink);
        return name;
    }

    /// <summary>Forgets a reply consumer (cancelled, or its session closed); later replies are dropped.</summary>
    public void UnregisterReplyConsumer(string name) => _replyConsumers.TryRemove(name, out _);

    /// <summary>True when <paramref name="name"/> is a live reply-to address (passive declare answers this).</summary>
    public bool IsLiveReplyAddress(string name) => _replyConsumers.ContainsKey(name);

    /// <summary>
    /// A reply published to the default exchange with a reply-to address as routing key goes
    /// straight to the requester (no queue, at most once). False when it is not such an address.
    /// </summary>
    private bool TryDeliverReply(Message message, out bool delivered)
    {
        delivered = false;
        if (!message.RoutingKey.StartsWith(DirectReplyToPrefix, StringComparison.Ordinal)) return false;
        if (_replyConsumers.TryGetValue(message.RoutingKey, out var reply))
            delivered = reply.Session.DeliverDirect(reply.ConsumerTag, reply.Sink, message);
        return true;
    }
}
