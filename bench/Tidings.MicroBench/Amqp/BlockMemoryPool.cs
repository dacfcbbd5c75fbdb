using System.Buffers;
using System.Collections.Concurrent;

namespace Tidings.MicroBench.Amqp;

/// <summary>
/// A pool of fixed 4 KiB blocks for the in-memory transport's pipes, as Kestrel's socket transport
/// gives its pipes a pinned block pool. Without it the pipes rent from <see cref="ArrayPool{T}.Shared"/>,
/// whose per-thread caches miss when one thread rents (the writer) and another returns (the
/// reader) — a steady trickle of new arrays that Kestrel would not show, charged to the broker.
/// </summary>
public sealed class BlockMemoryPool : MemoryPool<byte>
{
    private const int BlockSize = 4096;

    /// <summary>Blocks returned and ready for reuse; any thread rents and returns.</summary>
    private readonly ConcurrentQueue<Block> _free = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        return _free.TryDequeue(out var block) ? block : new Block(this);
    }

    protected override void Dispose(bool disposing)
    {
        _free.Clear();
    }

    /// <summary>One block; disposing it (what the pipe does when it is done) returns it to the pool.</summary>
    private sealed class Block(BlockMemoryPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);

        public Memory<byte> Memory => _array;

        public void Dispose() => pool._free.Enqueue(this);
    }
}
