namespace Tidings.Core.Queues;

/// <summary>
/// A FIFO of structs stored in fixed-size chunks: it grows without ever copying what it holds,
/// so millions of small items never need one huge array (or twice its size while it grows).
/// Not thread-safe.
/// </summary>
internal sealed class ChunkedQueue<T> where T : struct
{
    private const int ChunkSize = 16 * 1024;

    private readonly Queue<T[]> _chunks = new();
    /// <summary>Index of the first item in the first chunk.</summary>
    private int _head;
    /// <summary>Items used in the last chunk.</summary>
    private int _tailUsed = ChunkSize;
    private T[]? _last;

    public long Count { get; private set; }

    public void Enqueue(in T item)
    {
        if (_tailUsed == ChunkSize)
        {
            _last = new T[ChunkSize];
            _chunks.Enqueue(_last);
            _tailUsed = 0;
        }
        _last![_tailUsed++] = item;
        Count++;
    }

    public ref readonly T PeekFirst() => ref _chunks.Peek()[_head];

    public T Dequeue()
    {
        var chunk = _chunks.Peek();
        var item = chunk[_head];
        chunk[_head] = default; // let go of references the item holds
        _head++;
        Count--;
        if (_head == ChunkSize || Count == 0)
        {
            _chunks.Dequeue();
            _head = 0;
            if (_chunks.Count == 0)
            {
                _last = null;
                _tailUsed = ChunkSize;
            }
        }
        return item;
    }

    public void Clear()
    {
        _chunks.Clear();
        _head = 0;
        _last = null;
        _tailUsed = ChunkSize;
        Count = 0;
    }
}
