namespace Tidings.Fuzz;

/// <summary>What one run of one target did.</summary>
internal sealed record FuzzReport(string Target, long Iterations, TimeSpan Elapsed, IReadOnlyList<Finding> Findings)
{
    public double IterationsPerSecond => Elapsed.TotalSeconds > 0 ? Iterations / Elapsed.TotalSeconds : 0;

    public override string ToString()
    {
        var text = new System.Text.StringBuilder();
        text.Append(System.Globalization.CultureInfo.InvariantCulture,
            $"{Target}: {Iterations} iterations in {Elapsed.TotalSeconds:F1} s ({IterationsPerSecond:F0}/s), {Findings.Count} finding(s)");
        foreach (var finding in Findings)
        {
            text.AppendLine().Append("  ").Append(finding);
            text.AppendLine().Append("    ").Append(finding.Failure.Detail.ReplaceLineEndings(Environment.NewLine + "    "));
        }
        return text.ToString();
    }
}
