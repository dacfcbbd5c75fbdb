namespace Tidings.Server.Cli;

/// <summary><c>tidings help [command]</c>: the overview, or one verb's flags.</summary>
internal static class HelpCommand
{
    public static Verb Verb { get; } = new(
        "help",
        "Show this help, or the flags of one command.",
        [],
        RunAsync)
    {
        PositionalUsage = "[command]",
        MaxPositionals = 1,
    };

    private static Task<int> RunAsync(VerbInvocation invocation)
    {
        if (invocation.Arguments.Positionals is [var name])
        {
            var verb = Verbs.Find(name) ?? throw new UsageException($"unknown command '{name}'");
            HelpText.WriteVerb(invocation.Output, verb);
        }
        else
        {
            HelpText.WriteFull(invocation.Output);
        }
        return Task.FromResult(ExitCodes.Success);
    }
}
