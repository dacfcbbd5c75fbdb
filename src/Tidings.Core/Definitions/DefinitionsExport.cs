using Tidings.Core.Exchanges;
using Tidings.Core.Queues;
using Tidings.Core.Security;

namespace Tidings.Core.Definitions;

/// <summary>What <see cref="DefinitionsExport.From"/> takes from the broker.</summary>
public sealed record DefinitionsExportOptions
{
    /// <summary>
    /// Only what survives a restart (the durable definitions file): durable exchanges and queues,
    /// and bindings whose both ends are durable (RabbitMQ's rule). False: everything, as GET /api/definitions.
    /// </summary>
    public bool DurableOnly { get; init; }

    /// <summary>One virtual host's definitions only (no users, vhosts or permissions); null for the whole broker.</summary>
    public VirtualHost? OneVirtualHost { get; init; }

    /// <summary>Written as rabbit_version; null leaves it out.</summary>
    public string? RabbitVersion { get; init; }
}

/// <summary>Takes a broker's definitions into the <see cref="BrokerDefinitions"/> model, sorted by name so the same broker always exports the same text.</summary>
public static class DefinitionsExport
{
    /// <summary>The broker's definitions. Exclusive queues (and their bindings) die with their connection and are never exported; nor are predeclared exchanges.</summary>
    public static BrokerDefinitions From(Broker broker, DefinitionsExportOptions options)
    {
        var only = options.OneVirtualHost;
        var vhosts = only is null ? broker.VirtualHosts.OrderBy(v => v.Name, StringComparer.Ordinal).ToList() : [only];
        var exchanges = new List<ExchangeDefinition>();
        var queues = new List<QueueDefinition>();
        var bindings = new List<BindingDefinition>();
        foreach (var vhost in vhosts)
        {
            string? vhostName = only is null ? vhost.Name : null;
            foreach (var x in vhost.Exchanges.Where(x => !x.IsPredeclared && (x.Durable || !options.DurableOnly)).OrderBy(x => x.Name, StringComparer.Ordinal))
                exchanges.Add(new(x.Name, vhostName, x.Type, x.Durable, x.AutoDelete, x.Internal, x.Arguments));
            foreach (var q in vhost.Queues.Where(q => !q.Exclusive && (q.Durable || !options.DurableOnly)).OrderBy(q => q.Name, StringComparer.Ordinal))
                queues.Add(new(q.Name, vhostName, q.Durable, q.AutoDelete, q.Arguments));
            foreach (var b in vhost.Bindings.Where(b => Exported(b, options.DurableOnly)))
                bindings.Add(new(b.Source.Name, vhostName, b.Destination.Name, b.Destination is IQueue ? "queue" : "exchange", b.RoutingKey, b.Arguments));
        }
        var definitions = new BrokerDefinitions
        {
            OneVirtualHost = only?.Name,
            RabbitVersion = options.RabbitVersion,
            Exchanges = exchanges,
            Queues = queues,
            Bindings = bindings,
        };
        if (only is not null) return definitions;
        var users = broker.Users.OrderBy(u => u.Name, StringComparer.Ordinal).ToList();
        return definitions with
        {
            Users = [.. users.Select(u => new UserDefinition(u.Name, u.PasswordHash, null, User.HashingAlgorithm, [.. u.Tags]))],
            VirtualHosts = [.. vhosts.Select(v => new VirtualHostDefinition(v.Name, v.Description, [.. v.Tags]))],
            Permissions = [.. users.SelectMany(u => u.AllPermissions.OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new PermissionDefinition(u.Name, p.Key, p.Value.Configure, p.Value.Write, p.Value.Read)))],
        };
    }

    private static bool Exported(Binding binding, bool durableOnly) => binding.Destination switch
    {
        IQueue q => !q.Exclusive && (!durableOnly || (binding.Source.Durable && q.Durable)),
        Exchange x => !durableOnly || (binding.Source.Durable && x.Durable),
        _ => false,
    };
}
