namespace Tidings.Http.Messaging;

/// <summary>
/// Bounds of the REST messaging API. Every wait, buffer and lifetime a client can ask for is
/// capped here, so one request can never hold a thread, a lease or memory without limit.
/// </summary>
internal static class MessagingLimits
{
    /// <summary>Prefetch of an SSE or WebSocket stream when the client names none.</summary>
    public const int DefaultPrefetch = 10;

    /// <summary>Largest prefetch a stream may ask for (AMQP's basic.qos limit).</summary>
    public const int MaxPrefetch = ushort.MaxValue;

    /// <summary>Longest a long-poll get waits for a message (wait_ms).</summary>
    public const int MaxWaitMs = 30_000;

    /// <summary>Most messages one get returns (count).</summary>
    public const int MaxGetCount = 1_000;

    /// <summary>How long a manual-ack get's lease lasts when the client names no lease_ms.</summary>
    public const int DefaultLeaseMs = 60_000;

    /// <summary>Longest lease a get may ask for: ten minutes.</summary>
    public const int MaxLeaseMs = 600_000;

    /// <summary>Largest body of a get, ack or nack request, and largest WebSocket frame from a client.</summary>
    public const int MaxControlMessageBytes = 64 * 1024;

    /// <summary>
    /// Room for the JSON around a published payload (field names, properties, headers) on top of
    /// the payload itself, which base64 makes up to 4/3 of its size.
    /// </summary>
    public const int PublishEnvelopeBytes = 1024 * 1024;

    /// <summary>An idle SSE stream sends a comment line this often so proxies keep it open.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>An SSE stream flushes when this much is written, even while more deliveries wait.</summary>
    public const int StreamFlushBytes = 64 * 1024;

    /// <summary>How long the server waits for the client's part of a WebSocket close handshake.</summary>
    public static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);
}
