using System.Buffers;
using Tidings.Core.Messages;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// The properties of the last content header one channel received, keyed by their encoded
/// bytes. Most publishers send identical properties with every message (content type,
/// delivery mode), so a match reuses the decoded, immutable <see cref="MessageProperties"/>
/// instead of decoding them again. Not thread-safe: one per channel.
/// </summary>
internal sealed class PropertiesCache
{
    // Headers with per-message values (ids, timestamps) rarely match; don't spend time comparing long ones.
    private const int MaxCachedBytes = 256;

    /// <summary>Encoded flags and properties of <see cref="_properties"/>; length <see cref="_length"/>.</summary>
    /// <summary>Allocated on the first publish, so idle channels cost nothing.</summary>
    private byte[]? _bytes;
    private int _length = -1;
    private MessageProperties _properties = MessageProperties.Empty;

    /// <summary>The cached properties when <paramref name="encoded"/> equals the last encoding seen.</summary>
    public bool TryGet(ReadOnlySequence<byte> encoded, out MessageProperties properties)
    {
        properties = _properties;
        if (encoded.Length != _length) return false;
        if (encoded.IsSingleSegment) return encoded.FirstSpan.SequenceEqual(_bytes.AsSpan(0, _length));
        Span<byte> copy = stackalloc byte[_length];
        encoded.CopyTo(copy);
        return copy.SequenceEqual(_bytes.AsSpan(0, _length));
    }

    /// <summary>Remembers <paramref name="properties"/> as the decoding of <paramref name="encoded"/>.</summary>
    public void Remember(ReadOnlySequence<byte> encoded, MessageProperties properties)
    {
        if (encoded.Length > MaxCachedBytes)
        {
            _length = -1;
            return;
        }
        _bytes ??= new byte[MaxCachedBytes];
        encoded.CopyTo(_bytes);
        _length = (int)encoded.Length;
        _properties = properties;
    }
}
