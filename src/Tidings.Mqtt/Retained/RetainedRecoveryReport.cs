namespace Tidings.Mqtt.Retained;

/// <summary>
/// What opening a durable <see cref="RetainedStore"/> found in its log. Damage never stops the open:
/// the store keeps every intact record, skips damaged bytes (a torn tail after kill -9 or power loss,
/// or a corrupted record in the middle, which is stepped over to the next intact record) and rewrites
/// the log without them. The broker should log a report whose <see cref="Damaged"/> is true.
/// </summary>
/// <param name="RecordsRead">Intact records replayed.</param>
/// <param name="Retained">Messages retained after replay (expired ones dropped).</param>
/// <param name="ExpiredDropped">Messages whose expiry ran out while the broker was down.</param>
/// <param name="DamagedRegions">Runs of bytes that were not intact records.</param>
/// <param name="DamagedBytes">Total bytes in those runs.</param>
/// <param name="TornTail">True when the last damaged run reached the end of the file (an interrupted append).</param>
/// <param name="Rewritten">True when the log was rewritten at open (after damage or to drop garbage).</param>
public sealed record RetainedRecoveryReport(int RecordsRead, int Retained, int ExpiredDropped, int DamagedRegions, long DamagedBytes, bool TornTail, bool Rewritten)
{
    /// <summary>True when any bytes of the log were not intact records.</summary>
    public bool Damaged => DamagedRegions > 0;

    /// <summary>The report of a store with no log (in memory) or an empty one.</summary>
    public static RetainedRecoveryReport Empty { get; } = new(0, 0, 0, 0, 0, false, false);
}
