namespace Tidings.Fuzz;

/// <summary>
/// One thing to fuzz: it makes mutated inputs from its corpus and runs one against the real
/// code. Inputs are plain bytes so that any finding can be written to a file and replayed.
/// </summary>
internal interface IFuzzTarget : IAsyncDisposable
{
    /// <summary>The name given to --target.</summary>
    string Name { get; }

    /// <summary>Builds what the iterations share (a broker, an in-memory HTTP server).</summary>
    Task StartAsync();

    /// <summary>One mutated input. All randomness comes from <paramref name="random"/>, so a seed replays a run.</summary>
    byte[] NextInput(Random random);

    /// <summary>Runs one input; returns what went wrong, or null. Exceptions thrown here are findings too.</summary>
    Task<Failure?> RunAsync(byte[] input, CancellationToken cancellation);

    /// <summary>Checks the invariants that must hold between iterations (the server still answers, nothing leaked).</summary>
    Task<Failure?> CheckHealthAsync(CancellationToken cancellation);

    /// <summary>How far the inputs got (a stand-in for coverage), printed at the end of a run.</summary>
    string Summary();
}
