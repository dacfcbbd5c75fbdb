namespace Tidings.Mqtt.Retained;

/// <summary>
/// Limits and storage of a <see cref="RetainedStore"/>. Every retained message lives in memory (and
/// on disk when durable), so <see cref="MaxTotalBytes"/> is the limit that bounds the broker's memory;
/// all limits default to unlimited, like Mosquitto, because only the broker's configuration knows how
/// much memory it may spend. A limit that refuses a retain says so with a <see cref="RetainResult"/>.
/// </summary>
public sealed record RetainedStoreOptions
{
    /// <summary>
    /// Where this store keeps its log (one vhost's folder, e.g. <c>&lt;data&gt;/mqtt-retained/%2f/</c>,
    /// see <see cref="RetainedStores"/>); null keeps everything in memory only.
    /// </summary>
    public string? Directory { get; init; }

    /// <summary>Largest <see cref="RetainedMessage.Size"/> (payload + topic + properties) accepted, or null for no limit.</summary>
    public long? MaxMessageBytes { get; init; }

    /// <summary>Most topics with a retained message, or null for no limit.</summary>
    public int? MaxCount { get; init; }

    /// <summary>Most bytes (sum of <see cref="RetainedMessage.Size"/>) held, or null for no limit.</summary>
    public long? MaxTotalBytes { get; init; }

    /// <summary>
    /// The log is rewritten with only the live messages when its garbage (replaced, cleared and
    /// expired records) exceeds both its live bytes and this many bytes, so a small store is not
    /// rewritten for every few replacements.
    /// </summary>
    public long CompactionMinGarbageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>False skips fsync (for tests of logic on slow disks); durability then depends on the OS.</summary>
    public bool Fsync { get; init; } = true;

    /// <summary>Clock for stored-at times and expiry; <see cref="TimeProvider.System"/> by default.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
