namespace Tidings.PerfTest;

/// <summary>A bad command-line argument; the CLI prints the message and exits with 1.</summary>
public sealed class PerfTestUsageException(string message) : Exception(message);
