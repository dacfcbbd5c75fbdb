namespace Tidings.Sqs.Sns;

/// <summary>
/// Every topic and subscription of the SNS API. All changes happen under one lock, which also
/// writes <see cref="SnsCatalogFile"/> (when the broker has a data directory) before it is released,
/// so the file follows the latest state. Publishing reads snapshots.
/// </summary>
public sealed class SnsCatalog
{
    private readonly Dictionary<string, SnsTopic> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SnsSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly string? _directory;
    private readonly Lock _lock = new();

    /// <param name="directory">Where topics.json lives; null keeps the catalog in memory only.</param>
    /// <param name="topicArn">Makes a topic's ARN from its name.</param>
    public SnsCatalog(string? directory, Func<string, string> topicArn)
    {
        _directory = directory;
        if (directory is null) return;
        var (topics, subscriptions) = SnsCatalogFile.Read(directory);
        foreach (var t in topics) _topics[t.Name] = new SnsTopic(t.Name, topicArn(t.Name), t.Created, t.Attributes, t.Tags);
        foreach (var s in subscriptions)
        {
            if (!_topics.TryGetValue(s.Topic, out var topic)) continue;
            var subscription = new SnsSubscription(s.Arn, topic.Name, topic.Arn, s.Protocol, s.Endpoint, s.Owner);
            try
            {
                subscription.Apply(s.Attributes);
            }
            catch (Protocol.SqsException e)
            {
                throw new InvalidDataException($"SNS catalog file in '{directory}': subscription {s.Arn}: {e.Message}", e);
            }
            _subscriptions[s.Arn] = subscription;
        }
    }

    /// <summary>Runs a change (which may throw to refuse it) and saves the catalog, all under the lock.</summary>
    public T Change<T>(Func<Mutable, T> change)
    {
        lock (_lock)
        {
            var result = change(new Mutable(this));
            Save();
            return result;
        }
    }

    public SnsTopic? FindTopic(string name)
    {
        lock (_lock) return _topics.GetValueOrDefault(name);
    }

    public SnsSubscription? FindSubscription(string arn)
    {
        lock (_lock) return _subscriptions.GetValueOrDefault(arn);
    }

    /// <summary>Topics sorted by name.</summary>
    public List<SnsTopic> Topics()
    {
        lock (_lock) return [.. _topics.Values.OrderBy(t => t.Name, StringComparer.Ordinal)];
    }

    /// <summary>Subscriptions (of one topic, or all) sorted by ARN.</summary>
    public List<SnsSubscription> Subscriptions(string? topicName = null)
    {
        lock (_lock)
        {
            return [.. _subscriptions.Values.Where(s => topicName is null || s.TopicName == topicName)
                .OrderBy(s => s.Arn, StringComparer.Ordinal)];
        }
    }

    /// <summary>Access to the dictionaries inside <see cref="Change"/>.</summary>
    public readonly struct Mutable(SnsCatalog catalog)
    {
        public Dictionary<string, SnsTopic> Topics => catalog._topics;
        public Dictionary<string, SnsSubscription> Subscriptions => catalog._subscriptions;
    }

    private void Save()
    {
        if (_directory is null) return;
        SnsCatalogFile.Write(_directory, _topics.Values.OrderBy(t => t.Name, StringComparer.Ordinal),
            _subscriptions.Values.OrderBy(s => s.Arn, StringComparer.Ordinal));
    }
}
