using Tidings.Core.Messages;

namespace Tidings.Core.Exchanges;

/// <summary>A route from an exchange to a queue or exchange, with a routing key and arguments.</summary>
public sealed class Binding(Exchange source, IBindingDestination destination, string routingKey,
    IReadOnlyDictionary<string, object?>? arguments)
{
    /// <summary>The exchange messages come from.</summary>
    public Exchange Source { get; } = source;

    /// <summary>The queue or exchange messages flow to.</summary>
    public IBindingDestination Destination { get; } = destination;

    /// <summary>The binding key (a pattern for topic exchanges).</summary>
    public string RoutingKey { get; } = routingKey;

    /// <summary>Binding arguments (matching rules for headers exchanges).</summary>
    public IReadOnlyDictionary<string, object?> Arguments { get; } = arguments ?? EmptyArguments;

    internal static readonly IReadOnlyDictionary<string, object?> EmptyArguments = new Dictionary<string, object?>();

    /// <summary>True when this is the same binding: same ends, key and arguments (RabbitMQ's identity).</summary>
    public bool SameAs(Exchange source, IBindingDestination destination, string routingKey,
        IReadOnlyDictionary<string, object?>? arguments) =>
        ReferenceEquals(Source, source) && ReferenceEquals(Destination, destination) &&
        RoutingKey == routingKey && FieldValue.TablesEqual(Arguments, arguments);
}
