using Tidings.Core.Messages;

namespace Tidings.Core.Queues;

/// <summary>
/// Builds the headers of a dead-lettered message exactly as RabbitMQ 3.x does: an "x-death" array
/// with one table per (queue, reason), most recent first, each counting how often it happened,
/// plus x-first-death-* (set once) and x-last-death-* headers.
/// </summary>
internal static class DeathHeaders
{
    public static MessageHeaders Add(Message message, string queue, string reason, DateTimeOffset now)
    {
        var headers = (message.Properties.Headers ?? MessageHeaders.Empty).Without("BCC");

        var deaths = (headers.GetValueOrDefault("x-death") as IEnumerable<object?>)?.ToList() ?? [];
        int existing = deaths.FindIndex(d => d is IReadOnlyDictionary<string, object?> t &&
            FieldValue.AsString(t.GetValueOrDefault("queue")) == queue &&
            FieldValue.AsString(t.GetValueOrDefault("reason")) == reason);

        Dictionary<string, object?> entry;
        if (existing >= 0)
        {
            entry = new Dictionary<string, object?>((IReadOnlyDictionary<string, object?>)deaths[existing]!, StringComparer.Ordinal);
            entry["count"] = (FieldValue.AsLong(entry.GetValueOrDefault("count")) ?? 0) + 1;
            deaths.RemoveAt(existing);
        }
        else
        {
            // Keys in the order RabbitMQ sorts them.
            entry = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["count"] = 1L,
                ["exchange"] = message.Exchange,
            };
            if (message.Properties.TimeToLiveMs is { } ttl)
                entry["original-expiration"] = ttl.ToString(System.Globalization.CultureInfo.InvariantCulture);
            entry["queue"] = queue;
            entry["reason"] = reason;
            // The routing key and CC keys; BCC keys are never shown (publishing already dropped them).
            entry["routing-keys"] = new List<object?> { message.RoutingKey }.Concat(message.HeaderStrings("CC")).ToList();
            // Whole seconds, as AMQP's timestamp carries them.
            entry["time"] = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        }
        deaths.Insert(0, entry);
        MessageHeader death = new("x-death", deaths), lastExchange = new("x-last-death-exchange", message.Exchange),
            lastQueue = new("x-last-death-queue", queue), lastReason = new("x-last-death-reason", reason);
        // The x-first-death-* headers are set once, by the first death.
        return headers.ContainsKey("x-first-death-reason")
            ? headers.With(death, lastExchange, lastQueue, lastReason)
            : headers.With(death, new("x-first-death-exchange", message.Exchange), new("x-first-death-queue", queue),
                new("x-first-death-reason", reason), lastExchange, lastQueue, lastReason);
    }

    /// <summary>
    /// RabbitMQ's cycle rule: dead-lettering into <paramref name="target"/> is a cycle when the
    /// message already died in that queue and every death since (inclusive) was automatic
    /// (expired or maxlen). A rejection anywhere in the cycle means a client asked for it.
    /// </summary>
    public static bool IsCycle(MessageHeaders headers, string target)
    {
        if (headers.GetValueOrDefault("x-death") is not IEnumerable<object?> deaths) return false;
        foreach (var death in deaths)
        {
            if (death is not IReadOnlyDictionary<string, object?> table) continue;
            if (FieldValue.AsString(table.GetValueOrDefault("reason")) == "rejected") return false;
            if (FieldValue.AsString(table.GetValueOrDefault("queue")) == target) return true;
        }
        return false;
    }
}
