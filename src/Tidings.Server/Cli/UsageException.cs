namespace Tidings.Server.Cli;

/// <summary>
/// The command line is wrong (unknown flag, missing value, bad number). The dispatcher turns it
/// into a one-line message on stderr and exit code <see cref="ExitCodes.Usage"/>.
/// </summary>
public sealed class UsageException(string message) : Exception(message);
