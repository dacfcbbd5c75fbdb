namespace Tidings.LogQueue;

/// <summary>Settings of the distributed logging queue's HTTP API (configuration section Tidings:LogQueue).</summary>
public sealed class LogQueueOptions
{
    /// <summary>Address of the API's own listener (off by default; the API is always under /logqueue on the HTTP port).</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port of the API's own listener, where it is served at the root.</summary>
    public int Port { get; set; } = 5050;

    /// <summary>Virtual host the topics (stream queues) live in.</summary>
    public string VirtualHost { get; set; } = "/";

    /// <summary>
    /// User that requests without credentials act as, and only from loopback (as guest itself may
    /// only log in from loopback). guest by default; empty makes credentials required.
    /// </summary>
    public string DefaultUser { get; set; } = "guest";

    /// <summary>Largest message a produce request may carry, in bytes of UTF-8.</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;
}
