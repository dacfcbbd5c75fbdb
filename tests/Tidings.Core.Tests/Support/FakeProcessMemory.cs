namespace Tidings.Core.Tests.Support;

/// <summary>
/// Memory readings a test sets by hand. <see cref="Reclaimable"/> is what a collection gives
/// back to the operating system: the runtime's garbage and committed free space.
/// </summary>
internal sealed class FakeProcessMemory : IProcessMemory
{
    /// <summary>Resident bytes the next read returns; the test sets it, collections lower it.</summary>
    public long Resident { get; set; }

    /// <summary>Bytes the next collection takes off <see cref="Resident"/>.</summary>
    public long Reclaimable { get; set; }

    public int Reads { get; private set; }

    public int Collections { get; private set; }

    /// <summary>The allocation counter; the test raises it.</summary>
    public long Allocated { get; set; }

    public int BackgroundCollections { get; private set; }

    public long AllocatedBytes() => Allocated;

    public void CollectInBackground() => BackgroundCollections++;

    /// <summary>When set, reading fails as an unreadable /proc would.</summary>
    public bool FailReads { get; set; }

    public long ResidentBytes()
    {
        Reads++;
        if (FailReads) throw new IOException("/proc/self/statm unreadable");
        return Resident;
    }

    public void ReleaseUnusedMemory()
    {
        Collections++;
        Resident -= Reclaimable;
        Reclaimable = 0;
    }
}
