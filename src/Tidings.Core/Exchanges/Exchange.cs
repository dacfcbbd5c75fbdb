using Tidings.Core.Messages;

namespace Tidings.Core.Exchanges;

/// <summary>
/// An exchange: receives published messages and passes them to the destinations whose bindings
/// match. Subclasses keep an index of their bindings suited to their matching rule.
/// </summary>
public abstract class Exchange : IBindingDestination
{
    /// <summary>Bindings with this exchange as source; replaced, never mutated (copy-on-write).</summary>
    private Binding[] _bindings = [];

    /// <summary>Guards binding changes and the subclass's index; routing reads take it briefly.</summary>
    protected readonly Lock IndexLock = new();

    protected Exchange(VirtualHost virtualHost, string name, bool durable, bool autoDelete, bool isInternal,
        IReadOnlyDictionary<string, object?>? arguments)
    {
        VirtualHost = virtualHost;
        Name = name;
        Durable = durable;
        AutoDelete = autoDelete;
        Internal = isInternal;
        Arguments = arguments ?? Binding.EmptyArguments;
        AlternateExchange = FieldValue.AsString(Arguments.GetValueOrDefault("alternate-exchange"));
    }

    /// <summary>The virtual host this exchange lives in.</summary>
    public VirtualHost VirtualHost { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The exchange type name: direct, fanout, topic or headers.</summary>
    public abstract string Type { get; }

    /// <summary>Survives a broker restart.</summary>
    public bool Durable { get; }

    /// <summary>Deleted when its last binding as source is removed.</summary>
    public bool AutoDelete { get; }

    /// <summary>Clients cannot publish to it directly; only other exchanges route to it.</summary>
    public bool Internal { get; }

    /// <summary>Declaration arguments.</summary>
    public IReadOnlyDictionary<string, object?> Arguments { get; }

    /// <summary>Where messages that match no binding go, if set (argument "alternate-exchange").</summary>
    public string? AlternateExchange { get; }

    /// <summary>True for amq.* and the default exchange, which cannot be deleted.</summary>
    public bool IsPredeclared { get; internal init; }

    /// <summary>The current bindings with this exchange as source.</summary>
    public IReadOnlyList<Binding> Bindings => Volatile.Read(ref _bindings);

    /// <summary>Adds a binding; false when an identical one exists. Caller holds the vhost topology lock.</summary>
    internal bool AddBinding(Binding binding)
    {
        lock (IndexLock)
        {
            foreach (var b in _bindings)
                if (b.SameAs(binding.Source, binding.Destination, binding.RoutingKey, binding.Arguments)) return false;
            OnBindingAdded(binding);
            _bindings = [.. _bindings, binding];
            return true;
        }
    }

    /// <summary>Removes a binding instance. Caller holds the vhost topology lock.</summary>
    internal void RemoveBinding(Binding binding)
    {
        lock (IndexLock)
        {
            int index = Array.IndexOf(_bindings, binding);
            if (index < 0) return;
            OnBindingRemoved(binding);
            var copy = new Binding[_bindings.Length - 1];
            Array.Copy(_bindings, 0, copy, 0, index);
            Array.Copy(_bindings, index + 1, copy, index, copy.Length - index);
            _bindings = copy;
        }
    }

    /// <summary>Adds every destination whose binding matches <paramref name="message"/> to <paramref name="matched"/>.</summary>
    internal abstract void Match(Message message, List<IBindingDestination> matched);

    /// <summary>Updates the subclass index. Called with <see cref="IndexLock"/> held.</summary>
    protected abstract void OnBindingAdded(Binding binding);

    /// <summary>Updates the subclass index. Called with <see cref="IndexLock"/> held.</summary>
    protected abstract void OnBindingRemoved(Binding binding);
}
