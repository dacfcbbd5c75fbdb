using System.Runtime.InteropServices;
using Tidings.Server.Hosting;

namespace Tidings.Server.Cli;

/// <summary><c>tidings version</c>: one line with the version, the .NET runtime and the platform.</summary>
internal static class VersionCommand
{
    public static Verb Verb { get; } = new(
        "version",
        "Print the version and exit.",
        [],
        RunAsync);

    private static async Task<int> RunAsync(VerbInvocation invocation)
    {
        await invocation.Output.WriteLineAsync(
            $"tidings {ServerVersion.Current} (.NET {Environment.Version}, {RuntimeInformation.RuntimeIdentifier})").ConfigureAwait(false);
        return ExitCodes.Success;
    }
}
