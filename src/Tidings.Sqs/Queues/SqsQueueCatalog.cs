using System.Collections.Concurrent;
using Tidings.Core.Queues;

namespace Tidings.Sqs.Queues;

/// <summary>
/// The SQS side of every queue: attributes, tags, permissions. The broker's queue of the same name
/// holds the messages; a queue declared over AMQP or the management API is an SQS standard queue
/// with default attributes the first time the SQS API names it. Saved to
/// <see cref="SqsCatalogFile"/> after each change when the broker has a data directory.
/// </summary>
public sealed class SqsQueueCatalog
{
    private readonly ConcurrentDictionary<string, SqsQueue> _queues = new(StringComparer.Ordinal);
    private readonly string? _directory;
    private readonly TimeProvider _time;
    // Serialises creates, deletes and saves, so the file always follows the latest state.
    private readonly Lock _changeLock = new();

    /// <param name="directory">Where the catalog file lives; null keeps it in memory only.</param>
    /// <param name="time">The broker's clock, for timestamps and the de-duplication window.</param>
    public SqsQueueCatalog(string? directory, TimeProvider time)
    {
        _directory = directory;
        _time = time;
        if (directory is null) return;
        foreach (var entry in SqsCatalogFile.Read(directory))
        {
            _queues[entry.Name] = new SqsQueue(entry.Name, QueueSettings.Restore(entry.Attributes), entry.Tags,
                entry.Created, entry.Modified, entry.Permissions, time);
        }
    }

    /// <summary>Serialises the caller's create or delete with every other.</summary>
    public Lock ChangeLock => _changeLock;

    private long NowSeconds => _time.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>The SQS state of <paramref name="core"/>: kept, or defaults for a queue the SQS API has not seen.</summary>
    public SqsQueue Of(IQueue core)
    {
        if (_queues.TryGetValue(core.Name, out var queue)) return queue;
        bool fifo = core.Arguments.TryGetValue("x-message-groups", out var grouped) && grouped is true && core.Name.EndsWith(".fifo", StringComparison.Ordinal);
        var adopted = new SqsQueue(core.Name, QueueSettings.Create(fifo, new Dictionary<string, string>()),
            new Dictionary<string, string>(), core.CreatedAt.ToUnixTimeSeconds(), core.CreatedAt.ToUnixTimeSeconds(), [], _time);
        return _queues.GetOrAdd(core.Name, adopted);
    }

    /// <summary>The kept state of <paramref name="name"/>, if any (it may outlive a queue deleted over AMQP).</summary>
    public SqsQueue? Find(string name) => _queues.GetValueOrDefault(name);

    /// <summary>Adds a new queue's state (replacing what a queue of that name left) and saves. Caller holds <see cref="ChangeLock"/>.</summary>
    public SqsQueue Add(string name, QueueSettings settings, IReadOnlyDictionary<string, string> tags)
    {
        long now = NowSeconds;
        var queue = new SqsQueue(name, settings, tags, now, now, [], _time);
        _queues[name] = queue;
        Save();
        return queue;
    }

    /// <summary>Forgets a deleted queue and saves. Caller holds <see cref="ChangeLock"/>.</summary>
    public void Remove(string name)
    {
        if (_queues.TryRemove(name, out _)) Save();
    }

    /// <summary>Writes the catalog after a change of attributes, tags or permissions.</summary>
    public void Save()
    {
        if (_directory is null) return;
        lock (_changeLock)
        {
            SqsCatalogFile.Write(Path.Combine(_directory), _queues.Values.OrderBy(q => q.Name, StringComparer.Ordinal));
        }
    }
}
