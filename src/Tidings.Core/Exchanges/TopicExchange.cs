using System.Collections.Concurrent;
using Tidings.Core.Messages;

namespace Tidings.Core.Exchanges;

/// <summary>Routes by pattern: binding keys with '*' (one word) and '#' (zero or more words).</summary>
public sealed class TopicExchange(VirtualHost virtualHost, string name, bool durable, bool autoDelete, bool isInternal,
    IReadOnlyDictionary<string, object?>? arguments) : Exchange(virtualHost, name, durable, autoDelete, isInternal, arguments)
{
    /// <summary>Bounded so that random routing keys cannot grow memory without limit.</summary>
    private const int MaxCachedKeys = 4096;

    /// <summary>The binding index. Guarded by IndexLock.</summary>
    private readonly TopicTrie _trie = new();

    /// <summary>Match results by literal routing key; cleared whenever bindings change.</summary>
    private readonly ConcurrentDictionary<string, IBindingDestination[]> _cache = new(StringComparer.Ordinal);
    /// <summary>Entries in <see cref="_cache"/>. Guarded by IndexLock.</summary>
    private int _cachedKeys;

    /// <inheritdoc />
    public override string Type => ExchangeTypes.Topic;

    internal override void Match(Message message, List<IBindingDestination> matched)
    {
        MatchKey(message.RoutingKey, matched);
        if (!message.HasSenderSelectedKeys) return;
        foreach (var key in message.AllRoutingKeys().Skip(1)) MatchKey(key, matched);
    }

    private void MatchKey(string routingKey, List<IBindingDestination> matched)
    {
        if (_cache.TryGetValue(routingKey, out var cached))
        {
            matched.AddRange(cached);
            return;
        }
        int start = matched.Count;
        lock (IndexLock)
        {
            _trie.Match(routingKey, matched);
            // Counted here rather than with _cache.Count, which takes every one of the
            // dictionary's internal locks: at 4k keys that cost ~24 µs per miss.
            if (_cachedKeys >= MaxCachedKeys) ClearCache();
            if (_cache.TryAdd(routingKey, [.. matched.Skip(start).Distinct()])) _cachedKeys++;
        }
    }

    /// <summary>IndexLock held.</summary>
    private void ClearCache()
    {
        _cache.Clear();
        _cachedKeys = 0;
    }

    protected override void OnBindingAdded(Binding binding)
    {
        _trie.Add(binding);
        ClearCache();
    }

    protected override void OnBindingRemoved(Binding binding)
    {
        _trie.Remove(binding);
        ClearCache();
    }
}
