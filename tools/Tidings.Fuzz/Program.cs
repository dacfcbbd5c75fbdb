using System.Globalization;
using Tidings.Fuzz;

// tidings-fuzz --target amqp|mqtt|management|rest|definitions|sqs|all [--seconds N] [--iterations N] [--seed N]
//              [--findings DIR] [--timeout-seconds N] [--replay FILE] [--include-known]
// --include-known turns every KnownIssues switch off for this run (to check whether a fix landed).
// --help prints the usage. Exit code: 0 nothing found, 1 findings, 2 bad arguments.
const string Usage = "usage: --target amqp|mqtt|management|rest|definitions|sqs|all [--seconds N] [--iterations N] [--seed N] " +
                     "[--findings DIR] [--timeout-seconds N] [--replay FILE] [--include-known]";
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(Usage);
    return 0;
}
string? target = null, findings = "fuzz-findings", replay = null;
double? seconds = null;
long? iterations = null;
int seed = 1, timeoutSeconds = 10;
try
{
    for (int i = 0; i < args.Length; i++)
    {
        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
        switch (args[i])
        {
            case "--target": target = Next(); break;
            case "--seconds": seconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--iterations": iterations = long.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--findings": findings = Next(); break;
            case "--timeout-seconds": timeoutSeconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
            case "--replay": replay = Next(); break;
            case "--include-known":
                KnownIssues.Issue10LongNames = false;
                KnownIssues.Issue10InvalidUtf8 = false;
                break;
            default: throw new ArgumentException($"unknown argument '{args[i]}'");
        }
    }
    if (target is null) throw new ArgumentException("--target is required");
    if (target != "all" && !Targets.All.ContainsKey(target))
        throw new ArgumentException($"unknown target '{target}'; known: {string.Join(", ", Targets.All.Keys)}, all");
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}

if (replay is not null)
{
    var failure = await FuzzRunner.ReplayAsync(Targets.All[target](), await File.ReadAllBytesAsync(replay), TimeSpan.FromSeconds(timeoutSeconds));
    Console.WriteLine(failure is null ? "no failure" : $"{failure.Kind}{Environment.NewLine}{failure.Detail}");
    return failure is null ? 0 : 1;
}

bool found = false;
foreach (var name in target == "all" ? Targets.All.Keys : [target])
{
    var report = await FuzzRunner.RunAsync(Targets.All[name], new FuzzOptions
    {
        Duration = seconds is { } s ? TimeSpan.FromSeconds(s) : null,
        Iterations = iterations,
        Seed = seed,
        IterationTimeout = TimeSpan.FromSeconds(timeoutSeconds),
        FindingsDirectory = findings,
        Log = Console.Out,
    });
    Console.WriteLine(report);
    found |= report.Findings.Count > 0;
}
return found ? 1 : 0;
