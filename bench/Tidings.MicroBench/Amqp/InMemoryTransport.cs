using System.IO.Pipelines;

namespace Tidings.MicroBench.Amqp;

/// <summary>
/// A socketless transport: two <see cref="Pipe"/>s joined back to back, so the broker's real
/// AMQP connection (which takes an <see cref="IDuplexPipe"/>, as Kestrel hands it one) can be
/// driven from memory. <see cref="Server"/> goes to the connection; the benchmark's client
/// reads and writes <see cref="Client"/>.
/// </summary>
public sealed class InMemoryTransport
{
    /// <summary>
    /// Kestrel's socket transport pauses a connection's input at 1 MiB; the same limit on both
    /// directions keeps back-pressure in the picture without making a 1,000-message batch wait
    /// on it.
    /// </summary>
    public const long DefaultPauseThreshold = 1024 * 1024;

    /// <summary>Blocks for both pipes, as Kestrel's transport has its own block pool (see <see cref="BlockMemoryPool"/>).</summary>
    private readonly BlockMemoryPool _pool = new();
    /// <summary>Bytes the client writes and the server reads.</summary>
    private readonly Pipe _toServer;
    /// <summary>Bytes the server writes and the client reads.</summary>
    private readonly Pipe _toClient;

    public InMemoryTransport(long pauseThreshold = DefaultPauseThreshold)
    {
        // Thread-pool schedulers as on a real socket: continuations do not run inline on the
        // writer, so the benchmark sees the same thread hops the server does in production.
        var options = new PipeOptions(
            pool: _pool,
            pauseWriterThreshold: pauseThreshold,
            resumeWriterThreshold: pauseThreshold / 2,
            useSynchronizationContext: false);
        _toServer = new Pipe(options);
        _toClient = new Pipe(options);
        Server = new Side(_toServer.Reader, _toClient.Writer);
        Client = new Side(_toClient.Reader, _toServer.Writer);
    }

    /// <summary>The broker's end: reads what the client wrote, writes what the client reads.</summary>
    public IDuplexPipe Server { get; }

    /// <summary>The client's end.</summary>
    public IDuplexPipe Client { get; }

    private sealed class Side(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
