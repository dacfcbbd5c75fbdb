using System.Net;
using Microsoft.Extensions.Options;
using Tidings.Core;
using Tidings.Core.Queues;
using Tidings.Core.Security;
using Tidings.Sqs.Protocol;
using Tidings.Sqs.Queues;

namespace Tidings.Sqs;

/// <summary>
/// The SQS API's broker-wide state: the virtual host its queues live in, the catalog of their
/// SQS attributes, sequence numbers for FIFO queues, and who an access key acts as. One per
/// broker; the endpoint resolves it per request.
/// </summary>
public sealed class SqsService
{
    private SqsQueueCatalog? _catalog;
    // Guards opening the catalog; a failed open (an unreadable file) is tried again by the next request.
    private readonly Lock _openLock = new();
    private Sns.SnsCatalog? _topics;
    private long _lastSequence;

    public SqsService(Broker broker, IOptions<SqsOptions> options)
    {
        Broker = broker;
        Options = options.Value;
        // Sequence numbers only grow, across restarts too: they start from the clock (µs since 1970 × 1000).
        _lastSequence = broker.Time.GetUtcNow().ToUnixTimeMilliseconds() * 1_000_000;
    }

    public Broker Broker { get; }

    public SqsOptions Options { get; }

    /// <summary>
    /// The catalog, opened at the first request: by then the host has attached the broker's store,
    /// which tells whether there is a data directory to keep it in.
    /// </summary>
    public SqsQueueCatalog Catalog
    {
        get
        {
            if (Volatile.Read(ref _catalog) is { } open) return open;
            lock (_openLock)
            {
                return _catalog ??= new SqsQueueCatalog(
                    Broker.MessageStore is not null ? Path.Combine(Broker.Options.DataDirectory, SqsCatalogFile.FolderName) : null, Broker.Time);
            }
        }
    }

    /// <summary>The SNS topics and subscriptions served on the same listener.</summary>
    public Sns.SnsCatalog Topics
    {
        get
        {
            if (Volatile.Read(ref _topics) is { } open) return open;
            lock (_openLock)
            {
                return _topics ??= new Sns.SnsCatalog(
                    Broker.MessageStore is not null ? Path.Combine(Broker.Options.DataDirectory, Sns.SnsCatalogFile.FolderName) : null, TopicArn);
            }
        }
    }

    public string TopicArn(string topicName) => Sns.SnsNames.TopicArn(Options.Region, Options.AccountId, topicName);

    /// <summary>Running and finished message move tasks.</summary>
    public MoveTasks MoveTasks { get; } = new();

    /// <summary>The virtual host SQS queues live in; a missing one is a server-side error.</summary>
    public VirtualHost VirtualHost =>
        Broker.FindVirtualHost(Options.VirtualHost) ?? throw new SqsException("InternalFailure",
            $"virtual host '{Options.VirtualHost}' of the SQS API does not exist", "InternalFailure", HttpStatusCode.InternalServerError, senderFault: false);

    /// <summary>A FIFO send's sequence number: increasing across the broker, 20 digits as AWS shows them.</summary>
    public string NextSequenceNumber() => Interlocked.Increment(ref _lastSequence).ToString("D20", System.Globalization.CultureInfo.InvariantCulture);

    public string Arn(string queueName) => QueueNames.Arn(Options.Region, Options.AccountId, queueName);

    /// <summary>The broker queue and its SQS state named by a queue URL (or a bare name); QueueDoesNotExist otherwise.</summary>
    public (IQueue Core, SqsQueue Sqs) Resolve(string? queueUrl)
    {
        if (string.IsNullOrEmpty(queueUrl)) throw SqsErrors.MissingParameter("QueueUrl");
        string name = QueueNames.NameOfUrl(queueUrl) ?? throw SqsErrors.QueueDoesNotExist();
        return ResolveName(name);
    }

    public (IQueue Core, SqsQueue Sqs) ResolveName(string name)
    {
        var core = VirtualHost.FindQueue(name);
        // Exclusive queues belong to an AMQP connection; SQS cannot use them.
        if (core is null || core.Exclusive || core.IsDeleted) throw SqsErrors.QueueDoesNotExist();
        return (core, Catalog.Of(core));
    }

    /// <summary>Whether <paramref name="user"/> may do <paramref name="kind"/> on the queue; AccessDenied otherwise.</summary>
    public void Authorize(User user, Permission kind, string queueName)
    {
        var permissions = user.PermissionsFor(Options.VirtualHost);
        if (permissions is null || !permissions.Allows(kind, queueName))
            throw SqsErrors.AccessDenied($"User {user.Name} is not authorized to perform this action on queue {queueName}.");
    }
}
