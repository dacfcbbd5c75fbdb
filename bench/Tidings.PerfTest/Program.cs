namespace Tidings.PerfTest;

/// <summary>The `tidings-perftest` executable: parses the command line and runs <see cref="PerfTestRun"/>.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var interrupted = new CancellationTokenSource();
        // Ctrl+C ends the run early but still prints the summary and the JSON line.
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupted.Cancel();
        };
        return await RunAsync(args, Console.Out, Console.Error, interrupted.Token);
    }

    /// <summary>The whole CLI with its writers passed in, so tests can run it in-process.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        PerfTestOptions options;
        try
        {
            options = PerfTestOptions.Parse(args);
        }
        catch (PerfTestUsageException ex)
        {
            await error.WriteLineAsync($"tidings-perftest: {ex.Message} (--help lists the options)");
            return 1;
        }
        if (options.Help)
        {
            await output.WriteAsync(PerfTestOptions.Usage);
            return 0;
        }
        PerfTestResult result = await PerfTestRun.RunAsync(options, output, cancellationToken);
        if (result.Error is not null)
        {
            await error.WriteLineAsync($"tidings-perftest: {result.Error}");
        }
        return result.ExitCode;
    }
}
