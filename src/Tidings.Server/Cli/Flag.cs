namespace Tidings.Server.Cli;

/// <summary>
/// One command-line flag of a verb. A flag with a <see cref="ConfigKey"/> is only a friendlier
/// spelling of that configuration key: its value becomes the highest-precedence configuration
/// source, so the flag, tidings.json and the environment variable can never disagree about meaning.
/// </summary>
/// <param name="Name">Spelling including the dashes, e.g. "--http-port".</param>
/// <param name="ValueName">Placeholder shown in help ("port"); null for a switch that takes no value.</param>
/// <param name="Description">One sentence for the help text.</param>
internal sealed record Flag(string Name, string? ValueName, string Description)
{
    /// <summary>Default shown in help; null when there is none worth showing.</summary>
    public string? Default { get; init; }

    /// <summary>Configuration key the value is written to, e.g. "Tidings:Http:Port"; null for flags only the verb reads.</summary>
    public string? ConfigKey { get; init; }

    /// <summary>Checks a value before anything runs; returns an error message, or null when the value is fine.</summary>
    public Func<string, string?>? Validate { get; init; }

    /// <summary>Environment variable that sets the same key, e.g. "TIDINGS__HTTP__PORT".</summary>
    public string? EnvironmentVariable => ConfigKey is null ? null : ConfigKeys.ToEnvironmentVariable(ConfigKey);

    public bool TakesValue => ValueName is not null;
}
