namespace Tidings.Core.Security;

/// <summary>RabbitMQ's three permission kinds on a resource name.</summary>
public enum Permission
{
    /// <summary>Declare and delete queues and exchanges.</summary>
    Configure,
    /// <summary>Publish to an exchange, bind a queue (write to the destination).</summary>
    Write,
    /// <summary>Consume or get from a queue, bind from an exchange (read from the source).</summary>
    Read,
}
