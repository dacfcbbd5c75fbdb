namespace Tidings.Fuzz;

/// <summary>FNV-1a over an input: seeds choices that must be the same when the input is replayed (how it is chunked).</summary>
internal static class InputHash
{
    public static int Of(ReadOnlySpan<byte> input)
    {
        uint hash = 2166136261;
        foreach (byte b in input) hash = (hash ^ b) * 16777619;
        return unchecked((int)hash);
    }
}
