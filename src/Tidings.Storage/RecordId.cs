namespace Tidings.Storage;

/// <summary>Where a record lives: segment number and byte offset of its header in that segment.</summary>
public readonly record struct RecordId(uint Segment, uint Offset)
{
    /// <summary>One 64-bit number, ordered as the log is.</summary>
    public ulong Value => ((ulong)Segment << 32) | Offset;

    public static RecordId FromValue(ulong value) => new((uint)(value >> 32), (uint)value);

    public override string ToString() => $"{Segment:D8}.seg@{Offset}";
}
