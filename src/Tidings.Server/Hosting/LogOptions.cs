using Microsoft.Extensions.Logging;

namespace Tidings.Server.Hosting;

/// <summary>Console logging settings.</summary>
public sealed class LogOptions
{
    /// <summary>Least severe level written. Framework categories stay at Warning unless this is Debug or Trace.</summary>
    public LogLevel Level { get; set; } = LogLevel.Information;

    /// <summary>How each line is written.</summary>
    public LogFormat Format { get; set; } = LogFormat.Simple;

    internal IEnumerable<string> Validate(string key)
    {
        // The binder turns "42" into an undefined enum value rather than failing.
        if (!Enum.IsDefined(Level))
        {
            yield return $"{key}:{nameof(Level)} must be one of {string.Join(", ", Enum.GetNames<LogLevel>())}";
        }
        if (!Enum.IsDefined(Format))
        {
            yield return $"{key}:{nameof(Format)} must be one of {string.Join(", ", Enum.GetNames<LogFormat>())}";
        }
    }
}

/// <summary>Console log format.</summary>
public enum LogFormat
{
    /// <summary>One human-readable line per entry, with a UTC timestamp.</summary>
    Simple,

    /// <summary>One JSON object per line, for log collectors.</summary>
    Json,
}
