using System.Buffers.Text;

namespace Tidings.Core;

/// <summary>
/// The process's resident set (Linux: <c>/proc/self/statm</c>; elsewhere
/// <see cref="Environment.WorkingSet"/>) and the GC's aggressive collection.
/// </summary>
/// <remarks>
/// The resident set counts everything: the managed heap with its garbage and the free space the
/// GC keeps committed, pooled and pinned buffers, native memory of the runtime and of sockets.
/// The managed heap alone (what the watermark used to read) missed two thirds of it under a
/// publish storm of large messages.
/// </remarks>
internal sealed class ProcessMemory : IProcessMemory
{
    private const string Statm = "/proc/self/statm";
    private static readonly long s_pageSize = Environment.SystemPageSize;
    private static readonly bool s_hasStatm = OperatingSystem.IsLinux() && File.Exists(Statm);

    public long ResidentBytes() => s_hasStatm && TryReadStatm(out long bytes) ? bytes : Environment.WorkingSet;

    public long AllocatedBytes() => GC.GetTotalAllocatedBytes(precise: false);

    public void CollectInBackground() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: false, compacting: false);

    public void ReleaseUnusedMemory()
    {
        // Aggressive: a blocking, compacting full collection after which the GC decommits what it
        // freed instead of keeping it for later allocations. A gen2 collection alone frees the
        // objects but leaves their space committed, which is exactly the resident memory that
        // kept a drained broker above its watermark.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    /// <summary>statm is "size resident shared text lib data dt", in pages.</summary>
    private static bool TryReadStatm(out long bytes)
    {
        bytes = 0;
        try
        {
            Span<byte> text = stackalloc byte[128];
            int length;
            using (var handle = File.OpenHandle(Statm))
            {
                length = RandomAccess.Read(handle, text, 0);
            }
            var line = text[..length];
            int space = line.IndexOf((byte)' ');
            if (space < 0) return false;
            if (!Utf8Parser.TryParse(line[(space + 1)..], out long pages, out _)) return false;
            bytes = pages * s_pageSize;
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
