namespace Tidings.Fuzz;

/// <summary>How long a run lasts and where its findings go.</summary>
internal sealed record FuzzOptions
{
    /// <summary>Stop after this long (null: only the iteration count stops the run).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Stop after this many iterations (null: only the duration stops the run).</summary>
    public long? Iterations { get; init; }

    /// <summary>Seeds the mutators; the same seed gives the same inputs.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>An iteration that takes longer than this is a hang.</summary>
    public TimeSpan IterationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The target's invariants are checked every this many iterations, and at the end.</summary>
    public int HealthCheckEvery { get; init; } = 200;

    /// <summary>Where findings are written; null keeps them in memory.</summary>
    public string? FindingsDirectory { get; init; }

    /// <summary>Progress lines go here (null: silent).</summary>
    public TextWriter? Log { get; init; }
}
