using Tidings.Mqtt.Retained;

namespace Tidings.Mqtt.Connection;

/// <summary>
/// Holds back the PUBACK / PUBREC of a QoS 1/2 retained publish until both the routed message is
/// settled (the core's confirm) and the retained store has its change on disk, so an
/// acknowledged retain survives a crash. Made only for retained publishes whose store write is
/// still pending or refused; any thread may complete either half.
/// </summary>
internal sealed class RetainAckGate
{
    /// <summary>Halves still outstanding (2, then 1, then 0 = acknowledge); interlocked.</summary>
    private int _remaining = 2;

    /// <summary>The confirm's outcome, written before its half is counted down.</summary>
    public bool Accepted { get; private set; }
    /// <summary>True when the routed message reached no queue.</summary>
    public bool Unroutable { get; private set; }
    /// <summary>What the retained store did, written before its half is counted down.</summary>
    public RetainResult Retain { get; private set; }

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
}
