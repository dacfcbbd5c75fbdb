namespace Tidings.Server.Cli;

/// <summary>Spelling rules shared by help text and the environment-variable configuration source.</summary>
internal static class ConfigKeys
{
    /// <summary>Environment variables that configure the server start with this; the rest of the name is the key with ':' written as "__".</summary>
    public const string EnvironmentPrefix = "TIDINGS__";

    /// <summary>"Tidings:Http:Port" → "TIDINGS__HTTP__PORT".</summary>
    public static string ToEnvironmentVariable(string configKey) =>
        configKey.Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant();

    /// <summary>"TIDINGS__HTTP__PORT" → "TIDINGS:HTTP:PORT" (configuration keys are case-insensitive).</summary>
    public static string FromEnvironmentVariable(string name) =>
        name.Replace("__", ":", StringComparison.Ordinal);
}
