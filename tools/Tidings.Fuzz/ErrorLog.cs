using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tidings.Fuzz;

/// <summary>
/// A logger that keeps what the code under test logged at Error or above: the AMQP connection
/// catches every unexpected exception at the top of RunAsync and logs it, so an Error entry is
/// how an exception "escapes" the connection without killing it.
/// </summary>
internal sealed class ErrorLog : ILogger, ILoggerProvider
{
    /// <summary>Entries not yet taken; any thread may add.</summary>
    private readonly ConcurrentQueue<(string Text, Exception? Exception)> _errors = new();

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel < LogLevel.Error) return;
        _errors.Enqueue(($"{logLevel} {eventId.Name}: {formatter(state, exception)}{Environment.NewLine}{exception}", exception));
    }

    /// <summary>
    /// Wires the broker's fault log in: a fault a guard contained (a timer, a delivery, a
    /// connection's frame handler) is a defect all the same, only one that no longer kills.
    /// </summary>
    public void Watch(Tidings.Core.Broker broker) =>
        broker.Faults.Reported += (where, exception) => _errors.Enqueue(($"fault reported to Broker.Faults at {where}:{Environment.NewLine}{exception}", exception));

    /// <summary>Everything logged since the last call and the first exception among it, or null when nothing was.</summary>
    public (string Text, Exception? Exception)? Take()
    {
        if (_errors.IsEmpty) return null;
        var entries = new List<string>();
        Exception? first = null;
        while (_errors.TryDequeue(out var entry))
        {
            entries.Add(entry.Text);
            first ??= entry.Exception;
        }
        return (string.Join(Environment.NewLine, entries), first);
    }

    public ILogger CreateLogger(string categoryName) => this;

    public void Dispose()
    {
    }
}
