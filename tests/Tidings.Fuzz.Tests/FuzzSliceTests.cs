using Xunit.Abstractions;

namespace Tidings.Fuzz.Tests;

/// <summary>
/// The CI slice: every target for a bounded time with a fixed seed. A finding fails the test
/// and the report (kind, input size, full exception) is the failure message; the inputs are
/// written under the test's output directory (fuzz-findings/) for --replay. Runs one target at
/// a time (one collection): two at once would halve each one's iterations on a small machine.
/// KnownIssues switches apply here as in the long run.
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class FuzzSliceTests(ITestOutputHelper output)
{
    private static readonly TimeSpan PerTarget = TimeSpan.FromSeconds(12);

    [Theory]
    [InlineData("amqp", 10)]
    [InlineData("mqtt", 10)]
    [InlineData("management", 10)]
    [InlineData("definitions", 10)]
    // The target rewrites every WaitTimeSeconds to 0: an SQS call never long-polls here.
    [InlineData("sqs", 10)]
    [InlineData("logqueue", 10)]
    // A REST get may long-poll for up to 30 s by design; a hang there is anything longer.
    [InlineData("rest", 45)]
    public async Task Target_finds_nothing_in_its_time_slice(string target, int timeoutSeconds)
    {
        var report = await FuzzRunner.RunAsync(Targets.All[target], new FuzzOptions
        {
            Duration = PerTarget,
            Seed = 20261202,
            IterationTimeout = TimeSpan.FromSeconds(timeoutSeconds),
            FindingsDirectory = Path.Combine(AppContext.BaseDirectory, "fuzz-findings"),
        });
        output.WriteLine(report.ToString());
        Assert.True(report.Iterations > 0, $"{target} ran no iteration");
        Assert.True(report.Findings.Count == 0, report.ToString());
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FuzzCollection
{
    public const string Name = "fuzz";
}
