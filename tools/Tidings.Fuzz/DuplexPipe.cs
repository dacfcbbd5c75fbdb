using System.IO.Pipelines;

namespace Tidings.Fuzz;

/// <summary>
/// The socketless transport: two pipes back to back. <see cref="Server"/> goes to the
/// connection under test (AMQP or MQTT) as Kestrel's socket would; the fuzzer writes and reads <see cref="Client"/>.
/// </summary>
internal sealed class DuplexPipe
{
    public DuplexPipe()
    {
        // Small segments and a low pause threshold: frames straddle segment boundaries and
        // back-pressure takes part, as on a slow socket.
        var options = new PipeOptions(minimumSegmentSize: 512, pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024,
            useSynchronizationContext: false);
        var toServer = new Pipe(options);
        var toClient = new Pipe(options);
        Server = new Side(toServer.Reader, toClient.Writer);
        Client = new Side(toClient.Reader, toServer.Writer);
    }

    public IDuplexPipe Server { get; }
    public IDuplexPipe Client { get; }

    private sealed class Side(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
