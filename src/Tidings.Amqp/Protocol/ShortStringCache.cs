using System.Text;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// Recently decoded short strings with their UTF-8 bytes. A publisher repeats the same few
/// exchange names and routing keys, so decoding them through this cache makes no string per
/// message. Small and direct-mapped: a miss just decodes and replaces one slot. One per
/// connection reader; not thread-safe.
/// </summary>
internal sealed class ShortStringCache
{
    private const int Slots = 16;
    // Longer keys are decoded each time: comparing them would cost about as much.
    private const int MaxCachedBytes = 128;

    /// <summary>Each slot's UTF-8 bytes (null = empty slot) and its decoded string.</summary>
    /// <remarks>Allocated by the first publish, so connections that only consume cost nothing.</remarks>
    private byte[]?[]? _bytes;
    private string[]? _strings;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty) return string.Empty;
        if (utf8.Length > MaxCachedBytes) return Encoding.UTF8.GetString(utf8);
        var hash = new HashCode();
        hash.AddBytes(utf8);
        int slot = hash.ToHashCode() & (Slots - 1);
        _bytes ??= new byte[Slots][];
        _strings ??= new string[Slots];
        if (_bytes[slot] is { } known && utf8.SequenceEqual(known)) return _strings[slot];
        string value = Encoding.UTF8.GetString(utf8);
        _bytes[slot] = utf8.ToArray();
        _strings[slot] = value;
        return value;
    }
}
