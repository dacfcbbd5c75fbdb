namespace Tidings.Storage;

/// <summary>Something recovery found wrong in a segment file and how it dealt with it.</summary>
/// <param name="Segment">The segment file number.</param>
/// <param name="Offset">Byte offset where the bad record starts.</param>
/// <param name="Description">What was wrong and what was done ("torn tail truncated", "checksum mismatch …").</param>
public sealed record RecoveryProblem(uint Segment, long Offset, string Description)
{
    public override string ToString() => $"segment {Segment:D8}.seg at byte {Offset}: {Description}";
}
