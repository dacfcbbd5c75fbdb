namespace Tidings.Server.Cli;

/// <summary>Process exit codes of every verb; the help text documents them.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The verb ran and failed: bad configuration, a port already in use, a missing verb.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong: unknown verb or flag, missing or malformed value.</summary>
    public const int Usage = 2;
}
