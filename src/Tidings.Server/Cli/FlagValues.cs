using System.Net;
using Microsoft.Extensions.Logging;
using Tidings.Server.Hosting;

namespace Tidings.Server.Cli;

/// <summary>Validators for <see cref="Flag.Validate"/>, shared by verbs and by configuration validation.</summary>
internal static class FlagValues
{
    public static string? Port(string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) && port <= IPEndPoint.MaxPort
            ? null
            : "expected a port number from 0 to 65535 (0 picks a free port)";

    public static string? Host(string value) =>
        EndpointOptions.TryResolveAddress(value, out _) ? null : "expected an IP address, 'localhost' or '*'";

    public static string? Seconds(string value) =>
        int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? null
            : "expected a whole number of seconds";

    public static string? NotEmpty(string value) =>
        string.IsNullOrWhiteSpace(value) ? "must not be empty" : null;

    public static string? LogLevelName(string value) =>
        TryParseName<LogLevel>(value, out _) ? null : "expected one of " + Names<LogLevel>();

    public static string? LogFormatName(string value) =>
        TryParseName<LogFormat>(value, out _) ? null : "expected one of " + Names<LogFormat>();

    /// <summary>Enum.TryParse also accepts numbers and undefined values; a flag should only accept names.</summary>
    public static bool TryParseName<TEnum>(string value, out TEnum result)
        where TEnum : struct, Enum =>
        Enum.TryParse(value, ignoreCase: true, out result)
        && Enum.GetNames<TEnum>().Contains(value, StringComparer.OrdinalIgnoreCase);

    public static string Names<TEnum>()
        where TEnum : struct, Enum =>
        string.Join("|", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()));
}
