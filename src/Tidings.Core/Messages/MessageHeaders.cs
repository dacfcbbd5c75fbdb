using System.Collections;

namespace Tidings.Core.Messages;

/// <summary>
/// A message's headers: an ordered list of named, typed values in which a name may repeat. It
/// carries an AMQP field table, MQTT 5 user properties (ordered, duplicates allowed) and SQS
/// message attributes without loss. Immutable: changes make a new instance, so fan-out shares one.
/// Lookups by name return the first header with that name, as a table reader expects.
/// </summary>
public sealed class MessageHeaders : IReadOnlyList<MessageHeader>
{
    /// <summary>No headers.</summary>
    public static readonly MessageHeaders Empty = new([]);

    /// <summary>The headers in order; never changed after construction.</summary>
    private readonly MessageHeader[] _items;

    private MessageHeaders(MessageHeader[] items, bool namesKnownUnique = false)
    {
        _items = items;
        HasRepeatedNames = !namesKnownUnique && AnyNameRepeats(items);
    }

    /// <summary>Headers in the given order (duplicates kept).</summary>
    public MessageHeaders(IEnumerable<MessageHeader> headers) : this(headers.ToArray()) { }

    /// <summary>Headers from a table, in its enumeration order.</summary>
    public static MessageHeaders From(IEnumerable<KeyValuePair<string, object?>> table)
    {
        if (table is ICollection<KeyValuePair<string, object?>> sized)
        {
            // A decoded AMQP table (a dictionary): one array, no list in between.
            var array = new MessageHeader[sized.Count];
            int i = 0;
            foreach (var (name, value) in table) array[i++] = new MessageHeader(name, value);
            // A dictionary's keys are unique already.
            return new MessageHeaders(array, namesKnownUnique: table is IDictionary<string, object?> or IReadOnlyDictionary<string, object?>);
        }
        var items = new List<MessageHeader>();
        foreach (var (name, value) in table) items.Add(new MessageHeader(name, value));
        return new MessageHeaders([.. items]);
    }

    /// <summary>Lets code that builds a table (tests, in-process publishers) hand it over as headers.</summary>
    public static implicit operator MessageHeaders(Dictionary<string, object?> table) => From(table);

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <inheritdoc />
    public MessageHeader this[int index] => _items[index];

    /// <summary>The value of the first header named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No header has that name.</exception>
    public object? this[string name] =>
        TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"no header named '{name}'");

    /// <summary>The names in order (a repeated name repeats).</summary>
    public IEnumerable<string> Keys => _items.Select(h => h.Name);

    /// <summary>The value of the first header named <paramref name="name"/>.</summary>
    public bool TryGetValue(string name, out object? value)
    {
        foreach (var header in _items)
        {
            if (header.Name == name)
            {
                value = header.Value;
                return true;
            }
        }
        value = null;
        return false;
    }

    /// <summary>The value of the first header named <paramref name="name"/>, or null.</summary>
    public object? GetValueOrDefault(string name) => TryGetValue(name, out var value) ? value : null;

    /// <summary>True when a header named <paramref name="name"/> exists.</summary>
    public bool ContainsKey(string name) => TryGetValue(name, out _);

    /// <summary>
    /// True when any header name occurs more than once (MQTT user properties may repeat). Found
    /// once when the headers are made: every AMQP encoding of them asks, twice per delivery.
    /// </summary>
    public bool HasRepeatedNames { get; }

    private static bool AnyNameRepeats(MessageHeader[] items)
    {
        if (items.Length < 2) return false;
        if (items.Length <= 8)
        {
            // The usual few headers: compared pairwise, nothing allocated.
            for (int i = 1; i < items.Length; i++)
                for (int j = 0; j < i; j++)
                    if (items[i].Name == items[j].Name) return true;
            return false;
        }
        var seen = new HashSet<string>(items.Length, StringComparer.Ordinal);
        foreach (var header in items)
            if (!seen.Add(header.Name)) return true;
        return false;
    }

    /// <summary>These headers without any named <paramref name="name"/>.</summary>
    public MessageHeaders Without(string name) =>
        ContainsKey(name) ? new MessageHeaders(_items.Where(h => h.Name != name).ToArray()) : this;

    /// <summary>
    /// These headers with <paramref name="name"/> set to <paramref name="value"/>: the first header of
    /// that name keeps its place and takes the value, later ones go; a new name is appended.
    /// </summary>
    public MessageHeaders With(string name, object? value) => With([new MessageHeader(name, value)]);

    /// <summary>As <see cref="With(string, object?)"/> for each of <paramref name="changes"/>, in one copy.</summary>
    public MessageHeaders With(params ReadOnlySpan<MessageHeader> changes)
    {
        var items = new List<MessageHeader>(_items.Length + changes.Length);
        Span<bool> set = changes.Length <= 16 ? stackalloc bool[changes.Length] : new bool[changes.Length];
        foreach (var header in _items)
        {
            int change = IndexOf(changes, header.Name);
            if (change < 0) items.Add(header);
            else if (!set[change])
            {
                items.Add(changes[change]);
                set[change] = true;
            }
        }
        for (int i = 0; i < changes.Length; i++)
            if (!set[i]) items.Add(changes[i]);
        return new MessageHeaders([.. items]);
    }

    private static int IndexOf(ReadOnlySpan<MessageHeader> headers, string name)
    {
        for (int i = 0; i < headers.Length; i++)
            if (headers[i].Name == name) return i;
        return -1;
    }

    /// <summary>
    /// The headers as a table: the first value of each name wins, except that a repeated name
    /// becomes one array of all its values in order (how an AMQP field table shows MQTT's
    /// repeated user properties).
    /// </summary>
    public Dictionary<string, object?> ToTable()
    {
        var table = new Dictionary<string, object?>(_items.Length, StringComparer.Ordinal);
        if (!HasRepeatedNames)
        {
            foreach (var header in _items) table[header.Name] = header.Value;
            return table;
        }
        foreach (var header in _items)
        {
            if (table.ContainsKey(header.Name)) continue;
            var values = _items.Where(h => h.Name == header.Name).Select(h => h.Value).ToList();
            table[header.Name] = values.Count == 1 ? values[0] : values;
        }
        return table;
    }

    /// <summary>The headers as name/value pairs, in order (repeated names repeat).</summary>
    public IEnumerable<KeyValuePair<string, object?>> AsPairs()
    {
        foreach (var header in _items) yield return new(header.Name, header.Value);
    }

    /// <summary>The first value of each name, in order: how a format without repeated keys (JSON) shows the headers.</summary>
    public IEnumerable<KeyValuePair<string, object?>> FirstValues()
    {
        if (!HasRepeatedNames)
        {
            foreach (var header in _items) yield return new(header.Name, header.Value);
            yield break;
        }
        for (int i = 0; i < _items.Length; i++)
        {
            bool seen = false;
            for (int j = 0; j < i && !seen; j++) seen = _items[j].Name == _items[i].Name;
            if (!seen) yield return new(_items[i].Name, _items[i].Value);
        }
    }

    /// <summary>Enumerates without allocating.</summary>
    public ArraySegment<MessageHeader>.Enumerator GetEnumerator() => new ArraySegment<MessageHeader>(_items).GetEnumerator();

    IEnumerator<MessageHeader> IEnumerable<MessageHeader>.GetEnumerator() => ((IEnumerable<MessageHeader>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();
}
