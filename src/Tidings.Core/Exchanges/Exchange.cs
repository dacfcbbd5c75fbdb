using Tidings.Core.Messages;

namespace Tidings.Core.Exchanges;

/// <summary>
/// An exchange: receives published messages and passes them to the destinations whose bindings
/// match. Subclasses keep an index of their bindings suited to their matching rule.
/// </summary>
public abstract class Exchange : IBindingDestination
{
    /// <summary>
    /// Bindings with this exchange as source, as readers see them; replaced, never mutated
    /// (copy-on-write). Each is a view of the first slots of <see cref="_items"/>: adding writes
    /// past the end of every published view, so appends need no copy; removing builds a new array.
    /// </summary>
    private IReadOnlyList<Binding> _bindings = Array.Empty<Binding>();

    /// <summary>Backing store of <see cref="_bindings"/>; slots from <see cref="_count"/> on are spare. Guarded by IndexLock.</summary>
    private Binding[] _items = [];
    /// <summary>How many slots of <see cref="_items"/> hold bindings. Guarded by IndexLock.</summary>
    private int _count;

    /// <summary>
    /// How many bindings join this exchange to each (destination, key) pair, so the duplicate
    /// check scans only when the pair is already bound (then only arguments can differ).
    /// Guarded by IndexLock.
    /// </summary>
    private readonly Dictionary<(IBindingDestination Destination, string RoutingKey), int> _pairCounts = [];

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

    /// <summary>Message counters: publish_in (arrived here), publish_out (routed on to queues).</summary>
    public MessageStats Stats { get; } = new();

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
            var pair = (binding.Destination, binding.RoutingKey);
            int sameEnds = _pairCounts.GetValueOrDefault(pair);
            if (sameEnds > 0)
            {
                for (int i = 0; i < _count; i++)
                    if (_items[i].SameAs(binding.Source, binding.Destination, binding.RoutingKey, binding.Arguments)) return false;
            }
            OnBindingAdded(binding);
            _pairCounts[pair] = sameEnds + 1;
            if (_count == _items.Length) Array.Resize(ref _items, Math.Max(4, _count * 2));
            _items[_count++] = binding;
            Volatile.Write(ref _bindings, new ArraySegment<Binding>(_items, 0, _count));
            return true;
        }
    }

    /// <summary>Removes a binding instance. Caller holds the vhost topology lock.</summary>
    internal void RemoveBinding(Binding binding)
    {
        lock (IndexLock)
        {
            int index = Array.IndexOf(_items, binding, 0, _count);
            if (index < 0) return;
            OnBindingRemoved(binding);
            var pair = (binding.Destination, binding.RoutingKey);
            if (_pairCounts[pair] == 1) _pairCounts.Remove(pair); else _pairCounts[pair]--;
            // A fresh array: published views of the old one must not change under their readers.
            var copy = new Binding[Math.Max(4, _count - 1)];
            Array.Copy(_items, 0, copy, 0, index);
            Array.Copy(_items, index + 1, copy, index, _count - index - 1);
            _items = copy;
            _count--;
            Volatile.Write(ref _bindings, new ArraySegment<Binding>(_items, 0, _count));
        }
    }

    /// <summary>Adds every destination whose binding matches <paramref name="message"/> to <paramref name="matched"/>.</summary>
    internal abstract void Match(Message message, List<IBindingDestination> matched);

    /// <summary>Updates the subclass index. Called with <see cref="IndexLock"/> held.</summary>
    protected abstract void OnBindingAdded(Binding binding);

    /// <summary>Updates the subclass index. Called with <see cref="IndexLock"/> held.</summary>
    protected abstract void OnBindingRemoved(Binding binding);
}
