using Tidings.Core.Exchanges;
using Tidings.Core.Limits;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Security;
using Tidings.Core.Sessions;

namespace Tidings.Core;

public sealed partial class VirtualHost
{
    /// <summary>Publishes from in-process code (no connection, no permission checks).</summary>
    public PublishResult Publish(string exchange, string routingKey, MessageProperties properties, ReadOnlyMemory<byte> body) =>
        Publish(new Message(exchange, routingKey, properties, body), (User?)null, new RoutingScratch());

    /// <summary>
    /// Publishes for a caller without a connection or session (a REST or management publish, an
    /// SNS-style publish): <paramref name="user"/>'s write permission and user_id are checked as
    /// for a session's publish; unroutable messages are counted as returned when
    /// <paramref name="mandatory"/>, else as dropped. The caller keeps its reference to the message.
    /// </summary>
    /// <exception cref="BrokerException">Missing or internal exchange, bad properties, no permission.</exception>
    public PublishResult Publish(Message message, User? user, bool mandatory = false)
    {
        var result = Publish(message, user, new RoutingScratch());
        if (result.Unroutable) Stats.Add(mandatory ? MessageStat.ReturnUnroutable : MessageStat.DropUnroutable);
        return result;
    }

    /// <summary>Routes <paramref name="message"/> and offers it to every matching queue, once each. A null <paramref name="caller"/> is in-process code.</summary>
    internal PublishResult Publish(Message message, User? caller, RoutingScratch scratch, ConfirmRequest? confirm = null)
    {
        var exchange = _exchanges.GetValueOrDefault(message.Exchange) ?? throw BrokerException.NoExchange(message.Exchange, Name);
        if (exchange.Internal)
            throw new BrokerException(BrokerError.AccessRefused, $"cannot publish to internal exchange '{exchange.Name}' in vhost '{Name}'");
        if (caller is not null) Authorize(caller, Permission.Write, exchange.Name, "exchange");
        MessageLimits.Check(message);
        if (caller is not null && message.Properties.UserId is { } userId && userId != caller.Name &&
            !caller.Tags.Contains("impersonator"))
            throw new BrokerException(BrokerError.PreconditionFailed,
                $"user_id property set to '{userId}' but authenticated user was '{caller.Name}'");

        Stats.Add(MessageStat.Publish);
        exchange.Stats.Add(MessageStat.PublishIn);
        if (exchange == DefaultExchange && TryDeliverReply(message, out bool replied))
            return new PublishResult(replied ? 1 : 0, false);

        Route(exchange, message, scratch);
        if (scratch.Queues.Count == 0) return new PublishResult(0, false);

        // BCC keys route the message but are never shown to consumers.
        if (message.Properties.Headers?.ContainsKey("BCC") == true)
        {
            message = message.Reroute(message.Exchange, message.RoutingKey,
                message.Properties.With(message.Properties.Headers.Without("BCC"), replaceHeaders: true));
        }

        // The time to live counts from now: each queue compares the same absolute expiry, and the
        // store keeps it, so a restart does not give the message its whole TTL again.
        if (message.Properties.TimeToLiveMs is { } ttl)
            message.ExpiresAtMs = Broker.Time.GetUtcNow().ToUnixTimeMilliseconds() + ttl;

        bool rejected = false;
        foreach (var queue in scratch.Queues)
            rejected |= queue.Enqueue(message, confirm) == EnqueueResult.Rejected;
        exchange.Stats.Add(MessageStat.PublishOut, scratch.Queues.Count);
        return new PublishResult(scratch.Queues.Count, rejected);
    }

    /// <summary>
    /// Finds the queues for a message: the exchange's matches, then exchange-to-exchange hops,
    /// then alternate exchanges of exchanges that matched nothing. Each queue appears once.
    /// </summary>
    internal void Route(Exchange start, Message message, RoutingScratch scratch)
    {
        scratch.Clear();
        if (start == DefaultExchange)
        {
            AddDefaultExchangeQueues(message, scratch);
            return;
        }
        scratch.Pending.Push(start);
        scratch.Visited.Add(start);
        while (scratch.Pending.Count > 0)
        {
            var exchange = scratch.Pending.Pop();
            scratch.Matched.Clear();
            exchange.Match(message, scratch.Matched);
            foreach (var destination in scratch.Matched)
            {
                if (destination is IQueue queue)
                {
                    if (scratch.QueueSet.Add(queue)) scratch.Queues.Add(queue);
                }
                else if (destination is Exchange next && scratch.Visited.Add(next))
                {
                    scratch.Pending.Push(next);
                }
            }
            if (scratch.Matched.Count == 0 && exchange.AlternateExchange is { } aeName &&
                _exchanges.TryGetValue(aeName, out var alternate) && scratch.Visited.Add(alternate))
            {
                scratch.Pending.Push(alternate);
            }
        }
    }

    private void AddDefaultExchangeQueues(Message message, RoutingScratch scratch)
    {
        if (_queues.TryGetValue(message.RoutingKey, out var queue) && scratch.QueueSet.Add(queue)) scratch.Queues.Add(queue);
        if (!message.HasSenderSelectedKeys) return;
        foreach (var key in message.AllRoutingKeys())
            if (_queues.TryGetValue(key, out var more) && scratch.QueueSet.Add(more)) scratch.Queues.Add(more);
    }

    /// <summary>
    /// Re-publishes messages that died in <paramref name="from"/> to its dead-letter exchange with
    /// x-death headers. Drops them when that exchange is missing or the route would be a cycle.
    /// Called without any queue lock held.
    /// </summary>
    internal void DeadLetter(IQueue from, List<DeadLetter> deadLetters)
    {
        if (from.Settings.DeadLetterExchange is not { } dlxName) return;
        if (!_exchanges.TryGetValue(dlxName, out var dlx)) return;
        var now = Broker.Time.GetUtcNow();
        var scratch = new RoutingScratch();
        foreach (var dead in deadLetters)
        {
            var original = dead.Message;
            var headers = DeathHeaders.Add(original, from.Name, dead.ReasonText, now);
            // A fixed dead-letter routing key replaces the CC keys too.
            if (from.Settings.DeadLetterRoutingKey is not null) headers = headers.Without("CC");
            string routingKey = from.Settings.DeadLetterRoutingKey ?? original.RoutingKey;
            var message = original.Reroute(dlx.Name, routingKey,
                original.Properties.With(headers, clearExpiration: true, replaceHeaders: true));

            Route(dlx, message, scratch);
            foreach (var queue in scratch.Queues)
            {
                if (dead.Reason != DeadLetterReason.Rejected && DeathHeaders.IsCycle(headers, queue.Name)) continue;
                queue.Enqueue(message);
            }
        }
    }
}
