namespace Tidings.Sqs.Queues;

/// <summary>
/// What the SQS API knows of one queue beyond the broker's queue of the same name: its attributes,
/// tags and permissions (saved by <see cref="SqsQueueCatalog"/>), and a FIFO queue's
/// de-duplication window and receive attempts (in memory).
/// </summary>
public sealed class SqsQueue
{
    private readonly Lock _lock = new();
    private QueueSettings _settings;
    private Dictionary<string, string> _tags;
    private Dictionary<string, QueuePermission> _permissions;

    public SqsQueue(string name, QueueSettings settings, IReadOnlyDictionary<string, string> tags, long createdSeconds, long modifiedSeconds,
        IEnumerable<QueuePermission> permissions, TimeProvider time)
    {
        Name = name;
        _settings = settings;
        _tags = new Dictionary<string, string>(tags, StringComparer.Ordinal);
        _permissions = permissions.ToDictionary(p => p.Label, StringComparer.Ordinal);
        CreatedSeconds = createdSeconds;
        ModifiedSeconds = modifiedSeconds;
        Deduplication = new Deduplicator(time);
        Attempts = new ReceiveAttempts(time);
    }

    public string Name { get; }

    public bool Fifo => _settings.Fifo;

    /// <summary>The current settings; replaced whole by SetQueueAttributes.</summary>
    public QueueSettings Settings { get { lock (_lock) return _settings; } }

    public long CreatedSeconds { get; }

    public long ModifiedSeconds { get; private set; }

    public Deduplicator Deduplication { get; }

    public ReceiveAttempts Attempts { get; }

    /// <summary>When the last PurgeQueue ran (Unix ms), for AWS's one purge per 60 s rule.</summary>
    private long _lastPurgeMs = long.MinValue / 2;

    /// <summary>Starts a purge unless one ran in the last 60 seconds (AWS's rule); false when one did.</summary>
    public bool TryStartPurge(long nowMs)
    {
        lock (_lock)
        {
            if (nowMs - _lastPurgeMs < 60_000) return false;
            _lastPurgeMs = nowMs;
            return true;
        }
    }

    public IReadOnlyDictionary<string, string> Tags { get { lock (_lock) return new Dictionary<string, string>(_tags); } }

    public IReadOnlyCollection<QueuePermission> Permissions { get { lock (_lock) return [.. _permissions.Values]; } }

    public void ChangeSettings(QueueSettings settings, long nowSeconds)
    {
        lock (_lock)
        {
            _settings = settings;
            ModifiedSeconds = nowSeconds;
        }
    }

    public void Tag(IReadOnlyDictionary<string, string> tags)
    {
        lock (_lock)
        {
            foreach (var (key, value) in tags) _tags[key] = value;
        }
    }

    public void Untag(IEnumerable<string> keys)
    {
        lock (_lock)
        {
            foreach (var key in keys) _tags.Remove(key);
        }
    }

    /// <summary>Adds a permission; false when the label is taken.</summary>
    public bool AddPermission(QueuePermission permission)
    {
        lock (_lock) return _permissions.TryAdd(permission.Label, permission);
    }

    public bool RemovePermission(string label)
    {
        lock (_lock) return _permissions.Remove(label);
    }
}

/// <summary>An AddPermission grant, kept and shown in the queue's Policy; Tidings' own user permissions are what is enforced.</summary>
public sealed record QueuePermission(string Label, IReadOnlyList<string> Accounts, IReadOnlyList<string> Actions);
