namespace Tidings.Core;

/// <summary>
/// Why the broker refused an operation. The names mirror RabbitMQ's error conditions so a
/// protocol adapter can map them one to one (AMQP reply codes, HTTP statuses, MQTT reason codes).
/// </summary>
public enum BrokerError
{
    /// <summary>A queue, exchange, consumer or virtual host does not exist (AMQP 404).</summary>
    NotFound,
    /// <summary>The user lacks the permission, or the name is reserved (AMQP 403).</summary>
    AccessRefused,
    /// <summary>An exclusive queue belongs to another connection (AMQP 405).</summary>
    ResourceLocked,
    /// <summary>A redeclare differs, a delivery tag is unknown, a condition failed (AMQP 406).</summary>
    PreconditionFailed,
    /// <summary>The operation is forbidden in this state (AMQP 530).</summary>
    NotAllowed,
    /// <summary>The request is well formed but the feature is not offered (AMQP 540).</summary>
    NotImplemented,
    /// <summary>The broker is out of a resource (AMQP 506).</summary>
    ResourceError,
}

/// <summary>
/// An operation the broker refused. <see cref="Exception.Message"/> is the explanation in
/// RabbitMQ's words, without the condition prefix (e.g. "no queue 'q1' in vhost '/'").
/// </summary>
public sealed class BrokerException(BrokerError error, string message) : Exception(message)
{
    /// <summary>The condition, for the adapter to map to its protocol's error code.</summary>
    public BrokerError Error { get; } = error;

    internal static BrokerException NoQueue(string name, string vhost) =>
        new(BrokerError.NotFound, $"no queue '{name}' in vhost '{vhost}'");

    internal static BrokerException NoExchange(string name, string vhost) =>
        new(BrokerError.NotFound, $"no exchange '{name}' in vhost '{vhost}'");
}
