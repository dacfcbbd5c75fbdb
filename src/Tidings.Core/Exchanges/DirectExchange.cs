using Tidings.Core.Messages;

namespace Tidings.Core.Exchanges;

/// <summary>Routes to bindings whose key equals the routing key.</summary>
public sealed class DirectExchange(VirtualHost virtualHost, string name, bool durable, bool autoDelete, bool isInternal,
    IReadOnlyDictionary<string, object?>? arguments) : Exchange(virtualHost, name, durable, autoDelete, isInternal, arguments)
{
    /// <summary>Routing key to bound destinations (one entry per binding). Guarded by IndexLock.</summary>
    private readonly Dictionary<string, List<IBindingDestination>> _byKey = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public override string Type => ExchangeTypes.Direct;

    internal override void Match(Message message, List<IBindingDestination> matched)
    {
        lock (IndexLock)
        {
            if (_byKey.TryGetValue(message.RoutingKey, out var list)) matched.AddRange(list);
            if (!message.HasSenderSelectedKeys) return;
            foreach (var key in message.AllRoutingKeys().Skip(1))
                if (_byKey.TryGetValue(key, out var more)) matched.AddRange(more);
        }
    }

    protected override void OnBindingAdded(Binding binding)
    {
        if (!_byKey.TryGetValue(binding.RoutingKey, out var list)) _byKey[binding.RoutingKey] = list = [];
        list.Add(binding.Destination);
    }

    protected override void OnBindingRemoved(Binding binding)
    {
        if (!_byKey.TryGetValue(binding.RoutingKey, out var list)) return;
        list.Remove(binding.Destination);
        if (list.Count == 0) _byKey.Remove(binding.RoutingKey);
    }
}
