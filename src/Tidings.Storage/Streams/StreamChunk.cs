using System.Buffers;

namespace Tidings.Storage.Streams;

/// <summary>
/// Records appended to one segment and not yet written: consecutive bytes that start at
/// <see cref="FilePosition"/> in the segment file. The writer loop writes them in one go; until
/// then cursors read records from here. The buffer is pooled and returned once written.
/// </summary>
internal sealed class StreamChunk
{
    /// <summary>Usual size: many small records per chunk, few chunks per round.</summary>
    public const int DefaultSize = 256 * 1024;

    public StreamChunk(StreamSegment segment, long filePosition, int minimumSize)
    {
        Segment = segment;
        FilePosition = filePosition;
        Buffer = ArrayPool<byte>.Shared.Rent(Math.Max(DefaultSize, minimumSize));
    }

    public readonly StreamSegment Segment;
    /// <summary>Where <see cref="Buffer"/>[0] goes in the segment file.</summary>
    public readonly long FilePosition;
    /// <summary>The bytes; only [0, <see cref="Length"/>) hold records. Returned to the pool once written.</summary>
    public byte[] Buffer;
    /// <summary>Bytes of records so far (log lock).</summary>
    public int Length;
    /// <summary>No more appends go here once the writer took it (log lock).</summary>
    public bool Sealed;

    public bool Holds(long position) => position >= FilePosition && position < FilePosition + Length;

    public bool HasRoomFor(int size) => !Sealed && Buffer.Length - Length >= size;

    public void Release()
    {
        ArrayPool<byte>.Shared.Return(Buffer);
        Buffer = [];
    }
}
