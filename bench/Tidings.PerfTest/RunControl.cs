using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Tidings.PerfTest;

/// <summary>
/// The stop signal of a run and its first failure. Anything that sees the broker close a channel or a
/// connection, or a publish fail, reports here; the run then stops and exits with the failure's code.
/// </summary>
internal sealed class RunControl(CancellationToken external) : IDisposable
{
    public const int ExitBrokerFailure = 2;
    public const int ExitNacked = 3;

    // Cancelled when the run ends for any reason: --time, limits reached, failure, or the caller.
    private readonly CancellationTokenSource _stop = CancellationTokenSource.CreateLinkedTokenSource(external);

    // The first failure; later ones are consequences of it (a closed connection fails its publishes).
    private string? _error;

    // Exit code belonging to _error.
    private int _exitCode;

    public CancellationToken StopToken => _stop.Token;
    public bool StopRequested => _stop.IsCancellationRequested;
    public string? Error => Volatile.Read(ref _error);
    public int ExitCode => Volatile.Read(ref _exitCode);

    public void Fail(string message, int exitCode = ExitBrokerFailure)
    {
        if (Interlocked.CompareExchange(ref _error, message, null) is null)
        {
            Volatile.Write(ref _exitCode, exitCode);
        }
        Stop();
    }

    public void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // A late shutdown event after the run was torn down: nothing left to stop.
        }
    }

    /// <summary>Fails the run when the broker (not this process) closes the connection or one of its channels.</summary>
    public void Watch(IConnection connection, IChannel channel, string role)
    {
        connection.ConnectionShutdownAsync += (_, e) => OnShutdown(e, role, "connection");
        channel.ChannelShutdownAsync += (_, e) => OnShutdown(e, role, "channel");
    }

    private Task OnShutdown(ShutdownEventArgs e, string role, string what)
    {
        if (e.Initiator != ShutdownInitiator.Application)
        {
            Fail($"{role}: {what} closed by {(e.Initiator == ShutdownInitiator.Peer ? "the broker" : "the client library")}: {e.ReplyCode} {e.ReplyText}");
        }
        return Task.CompletedTask;
    }

    public void Dispose() => _stop.Dispose();
}
