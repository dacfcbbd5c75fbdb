namespace Tidings.Server.Cli;

/// <summary>
/// One verb of the <c>tidings</c> executable. To add a verb, write a <c>FooCommand</c> class with a
/// static <c>Verb</c> property and list it in <see cref="Verbs.All"/>; parsing, <c>--help</c>,
/// usage errors and the help text come from this description.
/// </summary>
/// <param name="Name">What the user types: "serve".</param>
/// <param name="Summary">One line for the command list.</param>
/// <param name="Flags">Every flag the verb accepts; anything else is a usage error.</param>
/// <param name="RunAsync">Runs the verb and returns the exit code; may throw <see cref="UsageException"/>.</param>
internal sealed record Verb(
    string Name,
    string Summary,
    IReadOnlyList<Flag> Flags,
    Func<VerbInvocation, Task<int>> RunAsync)
{
    /// <summary>Positional arguments shown after the verb in the usage line, e.g. "[command]"; empty when none.</summary>
    public string PositionalUsage { get; init; } = "";

    /// <summary>How many positional arguments the verb takes at most; more is a usage error.</summary>
    public int MaxPositionals { get; init; }

    /// <summary>Configuration keys the verb reads that have no flag.</summary>
    public IReadOnlyList<ConfigSetting> Settings { get; init; } = [];

    /// <summary>Extra paragraphs printed at the end of the verb's help.</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public Flag? FindFlag(string name) => Flags.FirstOrDefault(f => f.Name == name);
}

/// <summary>What a verb gets when it runs.</summary>
/// <param name="Arguments">The parsed command line after the verb.</param>
/// <param name="Output">Where normal output goes (stdout).</param>
/// <param name="Error">Where diagnostics go (stderr).</param>
internal sealed record VerbInvocation(ParsedArguments Arguments, TextWriter Output, TextWriter Error);
