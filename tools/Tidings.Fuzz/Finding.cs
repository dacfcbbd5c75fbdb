namespace Tidings.Fuzz;

/// <summary>A distinct failure: the first input that showed it, and how often it was seen.</summary>
internal sealed class Finding(string target, Failure failure, byte[] input, long iteration)
{
    public string Target { get; } = target;
    public Failure Failure { get; } = failure;
    public byte[] Input { get; } = input;
    /// <summary>The iteration that first showed it (0-based).</summary>
    public long Iteration { get; } = iteration;
    /// <summary>How many iterations showed it; only the runner's loop touches it.</summary>
    public int Count { get; set; } = 1;
    /// <summary>Where the input was written, once it was.</summary>
    public string? SavedAs { get; set; }

    /// <summary>A short hash of the input, the finding's file name.</summary>
    public string InputHash => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Input))[..16];

    public override string ToString() =>
        $"[{Target}] {Failure.Kind} (x{Count}, first at iteration {Iteration}, input {Input.Length} bytes{(SavedAs is null ? "" : $", saved as {SavedAs}")})";
}
