namespace Tidings.Server.Cli;

/// <summary>The command line after the verb, checked against the verb's flags.</summary>
internal sealed class ParsedArguments
{
    // Flag name → value, last occurrence wins; switches have the value "true".
    private readonly Dictionary<string, string> _values;

    public ParsedArguments(Verb verb, Dictionary<string, string> values, IReadOnlyList<string> positionals, bool helpRequested)
    {
        Verb = verb;
        _values = values;
        Positionals = positionals;
        HelpRequested = helpRequested;
    }

    public Verb Verb { get; }

    public IReadOnlyList<string> Positionals { get; }

    /// <summary>-h or --help was given; the dispatcher prints the verb's help instead of running it.</summary>
    public bool HelpRequested { get; }

    public string? this[string flagName] => _values.GetValueOrDefault(flagName);

    /// <summary>The values of flags that stand for configuration keys, as configuration key → value.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ConfigurationValues =>
        from flag in Verb.Flags
        where flag.ConfigKey is not null && _values.ContainsKey(flag.Name)
        select new KeyValuePair<string, string?>(flag.ConfigKey!, _values[flag.Name]);
}
