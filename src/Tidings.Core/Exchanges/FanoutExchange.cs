using Tidings.Core.Messages;

namespace Tidings.Core.Exchanges;

/// <summary>Routes every message to every bound destination, ignoring the routing key.</summary>
public sealed class FanoutExchange(VirtualHost virtualHost, string name, bool durable, bool autoDelete, bool isInternal,
    IReadOnlyDictionary<string, object?>? arguments) : Exchange(virtualHost, name, durable, autoDelete, isInternal, arguments)
{
    /// <inheritdoc />
    public override string Type => ExchangeTypes.Fanout;

    internal override void Match(Message message, List<IBindingDestination> matched)
    {
        foreach (var binding in Bindings) matched.Add(binding.Destination);
    }

    protected override void OnBindingAdded(Binding binding) { }

    protected override void OnBindingRemoved(Binding binding) { }
}
