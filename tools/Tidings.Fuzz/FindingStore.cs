namespace Tidings.Fuzz;

/// <summary>
/// Writes findings as &lt;directory&gt;/&lt;target&gt;/&lt;hash&gt;.bin (the input, replayable with
/// --replay) and &lt;hash&gt;.txt (what went wrong). A null directory keeps findings in memory only.
/// </summary>
internal sealed class FindingStore(string? directory)
{
    public string? Directory { get; } = directory;

    public void Save(Finding finding)
    {
        if (Directory is null) return;
        string folder = Path.Combine(Directory, finding.Target);
        System.IO.Directory.CreateDirectory(folder);
        string bin = Path.Combine(folder, finding.InputHash + ".bin");
        File.WriteAllBytes(bin, finding.Input);
        File.WriteAllText(Path.Combine(folder, finding.InputHash + ".txt"),
            $"target: {finding.Target}{Environment.NewLine}kind: {finding.Failure.Kind}{Environment.NewLine}" +
            $"iteration: {finding.Iteration}{Environment.NewLine}replay: dotnet run --project tools/Tidings.Fuzz -c Release -- " +
            $"--target {finding.Target} --replay {bin}{Environment.NewLine}{Environment.NewLine}{finding.Failure.Detail}{Environment.NewLine}");
        finding.SavedAs = bin;
    }
}
