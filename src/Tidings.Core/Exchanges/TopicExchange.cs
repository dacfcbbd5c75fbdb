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
        var found = new List<IBindingDestination>();
        lock (IndexLock)
        {
            _trie.Match(routingKey, found);
            if (_cache.Count >= MaxCachedKeys) _cache.Clear();
            _cache[routingKey] = [.. found.Distinct()];
        }
        matched.AddRange(found);
    }

    protected override void OnBindingAdded(Binding binding)
    {
        _trie.Add(binding);
        _cache.Clear();
    }

    protected override void OnBindingRemoved(Binding binding)
    {
        _trie.Remove(binding);
        _cache.Clear();
    }
}
