using Tidings.Core.Security;

namespace Tidings.Core;

/// <summary>Settings of one <see cref="Broker"/>. Bound from configuration by the server.</summary>
public sealed class BrokerOptions
{
    /// <summary>Where durable state lives. The in-memory core does not write here yet.</summary>
    public string DataDirectory { get; set; } = "./data";

    /// <summary>Name of the node, shown to clients and in logs.</summary>
    public string NodeName { get; set; } = "tidings@localhost";

    /// <summary>User created at first start when no users exist (RabbitMQ's guest).</summary>
    public string DefaultUser { get; set; } = "guest";

    /// <summary>Password of <see cref="DefaultUser"/>.</summary>
    public string DefaultPassword { get; set; } = "guest";

    /// <summary>
    /// Users that may only connect from a loopback address (RabbitMQ's loopback_users).
    /// By default the guest user, as in RabbitMQ.
    /// </summary>
    public List<string> LoopbackUsers { get; set; } = ["guest"];

    /// <summary>Largest message body accepted, in bytes (RabbitMQ's max_message_size default is 128 MiB).</summary>
    public long MaxMessageSize { get; set; } = 128L * 1024 * 1024;

    /// <summary>
    /// Resident memory of the process (RSS) above which the memory alarm blocks publishers
    /// (RabbitMQ's vm_memory_high_watermark, as an absolute value). 0 disables the check. Default 1 GiB.
    /// </summary>
    public long MemoryHighWatermarkBytes { get; set; } = 1024L * 1024 * 1024;

    /// <summary>
    /// Free space on the data directory's drive below which the disk alarm blocks publishers
    /// (RabbitMQ's disk_free_limit, default 50 MB). 0 disables the check.
    /// </summary>
    public long DiskFreeLimitBytes { get; set; } = 50L * 1000 * 1000;

    /// <summary>
    /// Bytes of message bodies a durable queue keeps in memory at its head; persistent messages
    /// behind that window wait on disk and are read back in order as the window drains.
    /// </summary>
    public long QueueWindowBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>Most messages a durable queue keeps in memory at its head (with <see cref="QueueWindowBytes"/>).</summary>
    public int QueueWindowMessages { get; set; } = 4096;

    /// <summary>
    /// Failed-login throttling for every protocol (per source address and per user name); RabbitMQ
    /// has none. The defaults are far above what a person mistyping a password reaches.
    /// </summary>
    public LoginThrottleOptions LoginThrottling { get; set; } = new();
}
