namespace Tidings.Server.Tests;

/// <summary>A fact that needs POSIX signals; skipped on Windows, where there is no SIGTERM to send.</summary>
internal sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "needs SIGTERM";
        }
    }
}
