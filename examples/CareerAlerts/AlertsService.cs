using System.Text;
using RabbitMQ.Client;

namespace Tidings.Examples.CareerAlerts;

/// <summary>
/// The career-alerts job, written exactly as it would be for RabbitMQ: events are published to a
/// durable topic exchange; every user has a durable queue bound to the topics they chose plus a
/// "broadcast" key; users subscribe and unsubscribe at run time; urgent messages reach everyone;
/// persistent messages and confirms mean nothing is lost when the broker restarts.
/// </summary>
public sealed class AlertsService(IChannel channel)
{
    public const string Exchange = "career-alerts";
    public const string Broadcast = "broadcast";

    /// <summary>Declares the exchange (idempotent; run at every start).</summary>
    public async Task SetUpAsync() =>
        await channel.ExchangeDeclareAsync(Exchange, ExchangeType.Topic, durable: true, autoDelete: false);

    /// <summary>Gives a user their durable queue, bound to the broadcast key.</summary>
    public async Task AddUserAsync(string user)
    {
        await channel.QueueDeclareAsync(QueueOf(user), durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(QueueOf(user), Exchange, Broadcast);
    }

    /// <summary>Subscribes a user to a topic pattern, e.g. "jobs.backend.#".</summary>
    public Task SubscribeAsync(string user, string topic) => channel.QueueBindAsync(QueueOf(user), Exchange, topic);

    public Task UnsubscribeAsync(string user, string topic) => channel.QueueUnbindAsync(QueueOf(user), Exchange, topic);

    /// <summary>Publishes an event persistently and waits for the broker's confirm (on disk).</summary>
    public async Task PublishAsync(string topic, string text) =>
        await channel.BasicPublishAsync(Exchange, topic, mandatory: false, new BasicProperties { Persistent = true, ContentType = "text/plain" },
            Encoding.UTF8.GetBytes(text));

    /// <summary>An urgent message for everyone.</summary>
    public Task PublishUrgentAsync(string text) => PublishAsync(Broadcast, text);

    /// <summary>Takes (and acks) every alert waiting for a user.</summary>
    public async Task<IReadOnlyList<string>> DrainAsync(string user)
    {
        var alerts = new List<string>();
        while (await channel.BasicGetAsync(QueueOf(user), autoAck: false) is { } message)
        {
            alerts.Add(Encoding.UTF8.GetString(message.Body.Span));
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false);
        }
        return alerts;
    }

    public static string QueueOf(string user) => $"alerts.{user}";
}
