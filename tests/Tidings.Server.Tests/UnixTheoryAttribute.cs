namespace Tidings.Server.Tests;

/// <summary>A theory that needs POSIX signals; skipped on Windows, where there is no SIGKILL to send.</summary>
internal sealed class UnixTheoryAttribute : TheoryAttribute
{
    public UnixTheoryAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "needs POSIX signals";
        }
    }
}
