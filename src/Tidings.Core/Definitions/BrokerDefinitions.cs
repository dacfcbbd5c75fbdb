namespace Tidings.Core.Definitions;

/// <summary>
/// A broker's definitions in the shape of RabbitMQ's definitions format: what the durable
/// definitions file holds and what GET/POST /api/definitions carry. Made by
/// <see cref="DefinitionsExport"/> or <see cref="DefinitionsJson.Read"/>, applied by
/// <see cref="DefinitionsImport"/>, written by <see cref="DefinitionsJson.Write(BrokerDefinitions, bool)"/>.
/// </summary>
public sealed record BrokerDefinitions
{
    /// <summary>The virtual host these definitions are of, when they are of one only (a per-vhost export): entries then name no vhost, and there are no users, vhosts or permissions.</summary>
    public string? OneVirtualHost { get; init; }

    /// <summary>The RabbitMQ version the definitions claim to be compatible with (rabbit_version); null leaves it out.</summary>
    public string? RabbitVersion { get; init; }

    /// <summary>Users with password hashes and tags.</summary>
    public IReadOnlyList<UserDefinition> Users { get; init; } = [];

    /// <summary>Virtual hosts with description and tags.</summary>
    public IReadOnlyList<VirtualHostDefinition> VirtualHosts { get; init; } = [];

    /// <summary>Users' permissions per virtual host.</summary>
    public IReadOnlyList<PermissionDefinition> Permissions { get; init; } = [];

    /// <summary>Exchanges (predeclared ones are never in here).</summary>
    public IReadOnlyList<ExchangeDefinition> Exchanges { get; init; } = [];

    /// <summary>Queues (exclusive ones are never in here).</summary>
    public IReadOnlyList<QueueDefinition> Queues { get; init; } = [];

    /// <summary>Bindings between exchanges and queues or exchanges.</summary>
    public IReadOnlyList<BindingDefinition> Bindings { get; init; } = [];
}

/// <summary>
/// A user with a password hash (rabbit_password_hashing_sha256; empty or null: the user cannot log
/// in with a password) or, on import only, a plain password; the algorithm is null when not given.
/// </summary>
public sealed record UserDefinition(string Name, string? PasswordHash, string? Password, string? HashingAlgorithm, IReadOnlyList<string> Tags);

/// <summary>A virtual host; a null description or tags leaves an existing vhost's as they are.</summary>
public sealed record VirtualHostDefinition(string Name, string? Description, IReadOnlyList<string>? Tags);

/// <summary>A user's permissions in a virtual host (three regular expressions).</summary>
public sealed record PermissionDefinition(string User, string VirtualHost, string Configure, string Write, string Read);

/// <summary>An exchange; <paramref name="VirtualHost"/> is null in one vhost's definitions.</summary>
public sealed record ExchangeDefinition(string Name, string? VirtualHost, string Type, bool Durable, bool AutoDelete, bool Internal,
    IReadOnlyDictionary<string, object?> Arguments);

/// <summary>A queue; <paramref name="VirtualHost"/> is null in one vhost's definitions.</summary>
public sealed record QueueDefinition(string Name, string? VirtualHost, bool Durable, bool AutoDelete, IReadOnlyDictionary<string, object?> Arguments);

/// <summary>A binding from an exchange to a queue or exchange (destination type "queue" or "exchange"); an empty source is the default exchange's implicit binding.</summary>
public sealed record BindingDefinition(string Source, string? VirtualHost, string Destination, string DestinationType, string RoutingKey,
    IReadOnlyDictionary<string, object?> Arguments);
