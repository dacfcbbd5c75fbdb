using System.Text;

namespace Tidings.Mqtt.Protocol;

/// <summary>
/// Recently decoded topic names with their UTF-8 bytes. Sensors publish to the same few topics over
/// and over, so decoding through this cache makes no string per PUBLISH, and a hit also skips the
/// UTF-8 and wildcard checks: only names that passed them are stored. Direct-mapped: a miss decodes
/// and replaces one slot. One per connection decoder; not thread-safe.
/// </summary>
internal sealed class MqttTopicCache
{
    private const int Slots = 32;

    // Longer names are decoded each time: comparing them would cost about as much.
    private const int MaxCachedBytes = 256;

    // Each slot's UTF-8 bytes (null = empty slot); allocated by the first PUBLISH, so a connection that only consumes costs nothing.
    private byte[]?[]? _bytes;

    // The string decoded from the same slot of _bytes.
    private string[]? _strings;

    /// <summary>The cached string for <paramref name="utf8"/>, or null when it is not cached.</summary>
    public string? Find(ReadOnlySpan<byte> utf8)
    {
        if (_bytes is null || utf8.Length > MaxCachedBytes || utf8.IsEmpty)
        {
            return null;
        }

        int slot = SlotOf(utf8);
        return _bytes[slot] is { } known && utf8.SequenceEqual(known) ? _strings![slot] : null;
    }

    /// <summary>Decodes <paramref name="utf8"/> (already validated) and remembers it.</summary>
    public string Add(ReadOnlySpan<byte> utf8)
    {
        string value = Encoding.UTF8.GetString(utf8);
        if (utf8.Length > MaxCachedBytes || utf8.IsEmpty)
        {
            return value;
        }

        _bytes ??= new byte[Slots][];
        _strings ??= new string[Slots];
        int slot = SlotOf(utf8);
        _bytes[slot] = utf8.ToArray();
        _strings[slot] = value;
        return value;
    }

    private static int SlotOf(ReadOnlySpan<byte> utf8)
    {
        var hash = new HashCode();
        hash.AddBytes(utf8);
        return hash.ToHashCode() & (Slots - 1);
    }
}
