using System.Diagnostics;

namespace Tidings.Fuzz;

/// <summary>
/// The loop: make an input, run it under a deadline, keep the first input of every distinct
/// failure, check the target's invariants now and then. A hang leaves the target in an unknown
/// state, so it is rebuilt.
/// </summary>
internal static class FuzzRunner
{
    public static async Task<FuzzReport> RunAsync(Func<IFuzzTarget> createTarget, FuzzOptions options)
    {
        CrashGuard.Install();
        var store = new FindingStore(options.FindingsDirectory);
        var findings = new Dictionary<string, Finding>(StringComparer.Ordinal);
        var random = new Random(options.Seed);
        var clock = Stopwatch.StartNew();
        var target = createTarget();
        string name = target.Name;
        await target.StartAsync().ConfigureAwait(false);
        long iteration = 0;
        var lastProgress = clock.Elapsed;
        try
        {
            while (!Done(options, iteration, clock.Elapsed))
            {
                byte[] input = target.NextInput(random);
                CrashGuard.Enter(name, input, store);
                var (failure, hung) = await RunOneAsync(target, input, options.IterationTimeout).ConfigureAwait(false);
                if (failure is null && CrashGuard.TakeUnobserved() is { } unobserved)
                    failure = Failure.FromException("unobserved task exception", unobserved);
                if (failure is null && ((iteration + 1) % options.HealthCheckEvery == 0 || hung))
                    failure = await HealthAsync(target, options.IterationTimeout).ConfigureAwait(false);
                CrashGuard.Leave();
                if (failure is not null) Record(findings, store, name, failure, input, iteration, options.Log);
                if (hung || failure?.Kind.StartsWith("health", StringComparison.Ordinal) == true)
                {
                    // The hung iteration still holds the target; start afresh rather than pile onto it.
                    await DisposeQuietlyAsync(target).ConfigureAwait(false);
                    target = createTarget();
                    await target.StartAsync().ConfigureAwait(false);
                }
                iteration++;
                if (options.Log is not null && clock.Elapsed - lastProgress > TimeSpan.FromSeconds(10))
                {
                    lastProgress = clock.Elapsed;
                    options.Log.WriteLine(System.FormattableString.Invariant(
                        $"{name}: {iteration} iterations, {iteration / clock.Elapsed.TotalSeconds:F0}/s, {findings.Count} finding(s)"));
                }
            }
            if (await HealthAsync(target, options.IterationTimeout).ConfigureAwait(false) is { } final)
                Record(findings, store, name, final, [], iteration, options.Log);
            options.Log?.WriteLine(target.Summary());
        }
        finally
        {
            await DisposeQuietlyAsync(target).ConfigureAwait(false);
        }
        return new FuzzReport(name, iteration, clock.Elapsed, [.. findings.Values]);
    }

    /// <summary>Runs one input against a fresh target (for --replay and regression tests).</summary>
    public static async Task<Failure?> ReplayAsync(IFuzzTarget target, byte[] input, TimeSpan timeout)
    {
        await target.StartAsync().ConfigureAwait(false);
        try
        {
            var (failure, _) = await RunOneAsync(target, input, timeout).ConfigureAwait(false);
            return failure ?? await HealthAsync(target, timeout).ConfigureAwait(false);
        }
        finally
        {
            await DisposeQuietlyAsync(target).ConfigureAwait(false);
        }
    }

    private static bool Done(FuzzOptions options, long iteration, TimeSpan elapsed) =>
        (options.Iterations is { } n && iteration >= n) || (options.Duration is { } d && elapsed >= d)
        || (options.Iterations is null && options.Duration is null && iteration >= 1000);

    private static async Task<(Failure? Failure, bool Hung)> RunOneAsync(IFuzzTarget target, byte[] input, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        Task<Failure?> run;
        try
        {
            run = target.RunAsync(input, cancellation.Token);
        }
        catch (Exception e)
        {
            return (Failure.FromException("exception from the target", e), false);
        }
        // The deadline is enforced here too: a target that ignores its token still counts as hung.
        var finished = await Task.WhenAny(run, Task.Delay(timeout + TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        if (finished != run)
        {
            _ = run.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            return (new Failure("hang: the iteration did not finish in time", $"no result after {timeout.TotalSeconds:F0} s"), true);
        }
        try
        {
            return (await run.ConfigureAwait(false), false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return (new Failure("hang: the iteration did not finish in time", $"cancelled after {timeout.TotalSeconds:F0} s"), true);
        }
        catch (Exception e)
        {
            return (Failure.FromException("exception from the target", e), false);
        }
    }

    private static async Task<Failure?> HealthAsync(IFuzzTarget target, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            var check = target.CheckHealthAsync(cancellation.Token);
            if (await Task.WhenAny(check, Task.Delay(timeout + TimeSpan.FromSeconds(2))).ConfigureAwait(false) != check)
                return new Failure("health: the check did not finish in time", "");
            return await check.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return Failure.FromException("health: the check threw", e);
        }
    }

    private static void Record(Dictionary<string, Finding> findings, FindingStore store, string target, Failure failure,
        byte[] input, long iteration, TextWriter? log)
    {
        if (findings.TryGetValue(failure.Kind, out var known))
        {
            known.Count++;
            return;
        }
        var finding = new Finding(target, failure, input, iteration);
        store.Save(finding);
        findings[failure.Kind] = finding;
        log?.WriteLine($"FINDING {finding}");
    }

    private static async Task DisposeQuietlyAsync(IFuzzTarget target)
    {
        try
        {
            var dispose = target.DisposeAsync().AsTask();
            await Task.WhenAny(dispose, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A target wedged by a hang may fail to stop; the next one does not depend on it.
        }
    }
}
