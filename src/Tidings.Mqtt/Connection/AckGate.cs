using Tidings.Mqtt.Retained;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// Holds back the PUBACK / PUBREC of a QoS 1/2 publish until everything that must be durable
/// first is: the routed message (the core's confirm), the retained store's change for a retained
/// publish, and the session's QoS 2 state for a QoS 2 publish to a persistent session (so a
/// resend after a crash is recognised). Made only when one of the last two is needed; any thread
/// may complete any half.
/// </summary>
internal sealed class AckGate
{
    /// <summary>Halves still outstanding; 0 = acknowledge. Interlocked.</summary>
    private int _remaining;

    /// <param name="retain">The retained store's write is one half.</param>
    /// <param name="session">The session store's write is one half.</param>
    public AckGate(bool retain, bool session) => _remaining = 1 + (retain ? 1 : 0) + (session ? 1 : 0);

    /// <summary>The confirm's outcome, written before its half is counted down.</summary>
    public bool Accepted { get; private set; }
    /// <summary>True when the routed message reached no queue.</summary>
    public bool Unroutable { get; private set; }
    /// <summary>What the retained store did (Stored when the publish was not retained), written before its half is counted down.</summary>
    public RetainResult Retain { get; private set; } = RetainResult.Stored;

    /// <summary>Records the confirm; true when this completed the gate.</summary>
    public bool Settled(bool accepted, bool unroutable)
    {
        Accepted = accepted;
        Unroutable = unroutable;
        return Interlocked.Decrement(ref _remaining) == 0;
    }

    /// <summary>Records the store's result; true when this completed the gate.</summary>
    public bool Retained(RetainResult result)
    {
        Retain = result;
        return Interlocked.Decrement(ref _remaining) == 0;
    }

    /// <summary>Records that the session's state is on disk; true when this completed the gate.</summary>
    public bool SessionSaved() => Interlocked.Decrement(ref _remaining) == 0;
}
