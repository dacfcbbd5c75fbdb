namespace Tidings.Server.Cli;

/// <summary>A configuration key a verb reads that has no flag of its own; listed in help so every setting is discoverable.</summary>
/// <param name="ConfigKey">Full key, e.g. "Tidings:DefaultUser".</param>
/// <param name="Default">Default shown in help.</param>
/// <param name="Description">One sentence for the help text.</param>
internal sealed record ConfigSetting(string ConfigKey, string Default, string Description)
{
    /// <summary>Environment variable that sets the key; list settings override it to show the indexed form.</summary>
    public string EnvironmentVariable { get; init; } = ConfigKeys.ToEnvironmentVariable(ConfigKey);
}
