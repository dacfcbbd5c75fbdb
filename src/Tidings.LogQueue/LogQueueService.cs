using Microsoft.Extensions.Options;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Core.Queues;
using Tidings.Core.Security;
using Tidings.Core.Storage;

namespace Tidings.LogQueue;

/// <summary>
/// The logging queue's operations over the broker: each topic is a stream queue of
/// <see cref="LogQueueOptions.VirtualHost"/>, each consumer id a stored position of that stream
/// (<see cref="RegisteredClient.PositionName"/>), each id an entry of <see cref="Clients"/>.
/// Rule breaks and misses come back as failure replies; a <see cref="BrokerException"/> from the
/// core (no permission, a queue deleted over AMQP) is turned into one by the caller.
/// </summary>
public sealed class LogQueueService
{
    private static readonly Dictionary<string, object?> StreamArguments = new() { ["x-queue-type"] = StreamQueue.KindName };
    // Durable, so a stream that is ever told apart by delivery mode keeps it; text, as the API only carries strings.
    private static readonly MessageProperties ProducedProperties = new() { ContentType = "text/plain; charset=utf-8", Durable = true };

    private ClientCatalog? _clients;
    // Guards opening the catalog (a failed open is tried again by the next request) and serialises topic creation,
    // so "exists already" is decided once.
    private readonly Lock _topicLock = new();
    // One scratch list per thread for dequeues: ReadAndAdvance fills it synchronously.
    [ThreadStatic] private static List<StreamEntry>? t_read;

    public LogQueueService(Broker broker, IOptions<LogQueueOptions> options)
    {
        Broker = broker;
        Options = options.Value;
    }

    public Broker Broker { get; }

    public LogQueueOptions Options { get; }

    /// <summary>
    /// The registered ids, opened at the first request: by then the host has attached the
    /// broker's store, which tells whether there is a data directory to keep them in.
    /// </summary>
    public ClientCatalog Clients
    {
        get
        {
            if (Volatile.Read(ref _clients) is { } open) return open;
            lock (_topicLock)
            {
                return _clients ??= new ClientCatalog(
                    Broker.MessageStore is not null ? Path.Combine(Broker.Options.DataDirectory, ClientCatalogFile.FolderName) : null);
            }
        }
    }

    /// <summary>The virtual host of the topics; a missing one is the operator's to fix, answered as a 500.</summary>
    private VirtualHost? VirtualHost => Broker.FindVirtualHost(Options.VirtualHost);

    private LogQueueReply NoVirtualHost() =>
        LogQueueReply.Failure(500, $"virtual host '{Options.VirtualHost}' of the logging-queue API does not exist");

    internal LogQueueReply CreateTopic(User user, string name)
    {
        if (VirtualHost is not { } vhost) return NoVirtualHost();
        lock (_topicLock)
        {
            if (vhost.FindQueue(name) is { } existing)
            {
                return existing is StreamQueue
                    ? LogQueueReply.BadRequest($"topic '{name}' already exists")
                    : LogQueueReply.BadRequest($"a queue named '{name}' exists and is not a stream");
            }
            if (!Allows(user, Permission.Configure, name)) return Refused(user, "create", name);
            vhost.DeclareQueue(name, durable: true, arguments: StreamArguments);
        }
        return LogQueueReply.Success($"topic '{name}' created");
    }

    internal LogQueueReply ListTopics(User user)
    {
        if (VirtualHost is not { } vhost) return NoVirtualHost();
        if (user.PermissionsFor(vhost.Name) is null) return LogQueueReply.Failure(403, $"user '{user.Name}' has no access to virtual host '{vhost.Name}'");
        var topics = new List<string>();
        foreach (var queue in vhost.Queues)
            if (queue is StreamQueue { IsDeleted: false }) topics.Add(queue.Name);
        topics.Sort(StringComparer.Ordinal);
        return LogQueueReply.TopicList(topics);
    }

    internal LogQueueReply RegisterConsumer(User user, string topic)
    {
        if (VirtualHost is not { } vhost) return NoVirtualHost();
        if (vhost.FindQueue(topic) is not StreamQueue { IsDeleted: false }) return LogQueueReply.NotFound($"topic '{topic}' does not exist");
        var stream = vhost.FindStreamForUse(topic, user, Permission.Read);
        // At the stream's first offset, so a consumer that registers late still reads everything kept.
        var consumer = Clients.Register(ClientRole.Consumer, topic, c => stream.StorePosition(c.PositionName, stream.FirstOffset));
        return LogQueueReply.Success(ReplyField.ConsumerId, consumer.Id);
    }

    internal LogQueueReply RegisterProducer(User user, string topic)
    {
        if (VirtualHost is not { } vhost) return NoVirtualHost();
        lock (_topicLock)
        {
            switch (vhost.FindQueue(topic))
            {
                case null:
                    if (!Allows(user, Permission.Configure, topic)) return Refused(user, "create", topic);
                    vhost.DeclareQueue(topic, durable: true, arguments: StreamArguments);
                    break;
                case StreamQueue:
                    break;
                default:
                    return LogQueueReply.BadRequest($"a queue named '{topic}' exists and is not a stream");
            }
        }
        if (!Allows(user, Permission.Write, topic)) return Refused(user, "write to", topic);
        var producer = Clients.Register(ClientRole.Producer, topic);
        return LogQueueReply.Success(ReplyField.ProducerId, producer.Id);
    }

    /// <summary>Appends <paramref name="message"/>; the success reply comes once it is on disk.</summary>
    internal async ValueTask<LogQueueReply> ProduceAsync(User user, string topic, long producerId, byte[] message)
    {
        if (Clients.Find(producerId) is not { Role: ClientRole.Producer } producer)
            return LogQueueReply.NotFound($"unknown producer_id {producerId}");
        if (!string.Equals(producer.Topic, topic, StringComparison.Ordinal))
            return LogQueueReply.BadRequest($"producer {producerId} is registered for topic '{producer.Topic}', not '{topic}'");
        if (VirtualHost is not { } vhost) return NoVirtualHost();
        if (vhost.FindQueue(topic) is not StreamQueue) return LogQueueReply.NotFound($"topic '{topic}' does not exist");
        var result = await vhost.SendToQueueDurablyAsync(topic, new Message("", topic, ProducedProperties, message), TimeSpan.Zero, user)
            .ConfigureAwait(false);
        return result == EnqueueResult.Rejected
            ? LogQueueReply.Failure(503, $"topic '{topic}' refused the message (a resource limit)")
            : LogQueueReply.Success();
    }

    /// <summary>The consumer's next message, its position advanced past it; a failure when it has read everything.</summary>
    internal LogQueueReply Consume(User user, string topic, long consumerId)
    {
        if (ConsumerOf(consumerId, topic, out var consumer) is { } problem) return problem;
        if (VirtualHost is not { } vhost) return NoVirtualHost();
        var stream = vhost.FindStreamForUse(topic, user, Permission.Read);
        var read = t_read ??= new List<StreamEntry>(1);
        read.Clear();
        if (stream.ReadAndAdvance(consumer!.PositionName, 1, read) == 0)
            return LogQueueReply.BadRequest($"no new messages in topic '{topic}' for consumer {consumerId}");
        var body = read[0].Message.Body;
        read.Clear();
        return LogQueueReply.Message(body);
    }

    /// <summary>How many messages of the topic the consumer has not read yet.</summary>
    internal LogQueueReply Size(User user, string topic, long consumerId)
    {
        if (ConsumerOf(consumerId, topic, out var consumer) is { } problem) return problem;
        if (VirtualHost is not { } vhost) return NoVirtualHost();
        var stream = vhost.FindStreamForUse(topic, user, Permission.Read);
        return LogQueueReply.Success(ReplyField.Size, stream.Lag(consumer!.PositionName));
    }

    private LogQueueReply? ConsumerOf(long consumerId, string topic, out RegisteredClient? consumer)
    {
        consumer = Clients.Find(consumerId);
        if (consumer is not { Role: ClientRole.Consumer }) return LogQueueReply.NotFound($"unknown consumer_id {consumerId}");
        if (!string.Equals(consumer.Topic, topic, StringComparison.Ordinal))
            return LogQueueReply.BadRequest($"consumer {consumerId} is registered for topic '{consumer.Topic}', not '{topic}'");
        return null;
    }

    private bool Allows(User user, Permission kind, string topic) =>
        user.PermissionsFor(Options.VirtualHost) is { } permissions && permissions.Allows(kind, topic);

    private LogQueueReply Refused(User user, string what, string topic) =>
        LogQueueReply.Failure(403, $"user '{user.Name}' may not {what} topic '{topic}' in virtual host '{Options.VirtualHost}'");
}
