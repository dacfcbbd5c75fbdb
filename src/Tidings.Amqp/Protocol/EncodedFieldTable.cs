using System.Buffers;
using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// A field table kept in its wire encoding and decoded afresh on every read. For tables that
/// live as long as a connection but are read only by an operator's listing: a client's
/// properties take about 500 bytes this way, against about 2 KB as decoded dictionaries and
/// strings, and a broker holds one per connection.
/// </summary>
internal sealed class EncodedFieldTable : IReadOnlyDictionary<string, object?>
{
    /// <summary>The length-prefixed table, as it came off the wire.</summary>
    private readonly byte[] _encoded;

    private EncodedFieldTable(byte[] encoded) => _encoded = encoded;

    /// <summary>
    /// Copies the length-prefixed table at the start of <paramref name="arguments"/>.
    /// The caller has already decoded it once, so it is known to be well formed.
    /// </summary>
    public static EncodedFieldTable CopyFrom(ReadOnlySequence<byte> arguments)
    {
        var reader = new SequenceReader<byte>(arguments);
        reader.TryReadBigEndian(out int length);
        return new EncodedFieldTable(arguments.Slice(0, sizeof(uint) + (uint)length).ToArray());
    }

    private Dictionary<string, object?> Decode() => FieldTableCodec.ReadTable(new ReadOnlySequence<byte>(_encoded));

    public object? this[string key] => Decode()[key];
    public IEnumerable<string> Keys => Decode().Keys;
    public IEnumerable<object?> Values => Decode().Values;
    public int Count => Decode().Count;
    public bool ContainsKey(string key) => Decode().ContainsKey(key);
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out object? value) => Decode().TryGetValue(key, out value);
    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => Decode().GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
