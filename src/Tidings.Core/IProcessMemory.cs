namespace Tidings.Core;

/// <summary>
/// What the memory watermark reads and the one thing it may do about it; a seam so tests can
/// drive the watermark with made-up numbers (<see cref="ProcessMemory"/> is the real one).
/// </summary>
internal interface IProcessMemory
{
    /// <summary>Bytes of memory the process holds resident: what the operating system charges it.</summary>
    long ResidentBytes();

    /// <summary>Bytes the process has allocated on the managed heap since it started (a counter).</summary>
    long AllocatedBytes();

    /// <summary>
    /// Starts a full collection in the background (no long pause): the garbage's space is
    /// reused by later allocations instead of growing the heap, though it stays committed.
    /// </summary>
    void CollectInBackground();

    /// <summary>
    /// Asks the runtime to give back memory it holds but does not use (a compacting full
    /// collection that decommits free space). Slow: the caller rate-limits it.
    /// </summary>
    void ReleaseUnusedMemory();
}
