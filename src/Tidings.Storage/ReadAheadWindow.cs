using Microsoft.Win32.SafeHandles;

namespace Tidings.Storage;

/// <summary>
/// The last stretch read from one segment file. A consumer draining a paged-out queue reads its
/// records in file order, so one <c>pread</c> of <see cref="Size"/> bytes serves the dozens of
/// records after it, instead of two reads per record. Segments are append-only and never
/// rewritten, so bytes once read stay true for as long as the segment exists.
/// </summary>
internal sealed class ReadAheadWindow
{
    public const int Size = 64 * 1024;

    /// <summary>Allocated on the first read: most logs are never paged back in.</summary>
    private byte[]? _buffer;
    /// <summary>The segment the bytes came from (by identity; a deleted segment's number is never reused).</summary>
    private object? _segment;
    private long _start;
    private int _length;

    /// <summary>The bytes at [offset, offset + count) of the segment, when the window holds all of them.</summary>
    private bool TryGet(object segment, long offset, int count, out ReadOnlySpan<byte> bytes)
    {
        if (ReferenceEquals(segment, _segment) && offset >= _start && offset + count <= _start + _length)
        {
            bytes = _buffer.AsSpan((int)(offset - _start), count);
            return true;
        }
        bytes = default;
        return false;
    }

    /// <summary>
    /// As <see cref="TryGet"/>, first reading the window afresh from <paramref name="offset"/> when
    /// it does not hold the bytes. False when they are not in the file (past its end) or
    /// <paramref name="count"/> is larger than the window.
    /// </summary>
    public bool TryRead(SafeFileHandle file, object segment, long offset, int count, out ReadOnlySpan<byte> bytes)
    {
        if (TryGet(segment, offset, count, out bytes)) return true;
        if (count > Size) return false;
        Fill(file, segment, offset);
        return TryGet(segment, offset, count, out bytes);
    }

    /// <summary>Reads up to <see cref="Size"/> bytes of the file from <paramref name="offset"/> (fewer at its end).</summary>
    private void Fill(SafeFileHandle file, object segment, long offset)
    {
        _buffer ??= new byte[Size];
        _segment = null; // a failed read leaves nothing behind
        int length = 0;
        while (length < Size)
        {
            int read = RandomAccess.Read(file, _buffer.AsSpan(length), offset + length);
            if (read == 0) break;
            length += read;
        }
        (_segment, _start, _length) = (segment, offset, length);
    }

    /// <summary>Drops the bytes of a segment that is being deleted.</summary>
    public void Forget(object segment)
    {
        if (ReferenceEquals(segment, _segment)) _segment = null;
    }
}
