using System.Text.RegularExpressions;
using Tidings.Core.Exchanges;
using Tidings.Core.Security;

namespace Tidings.Core.Definitions;

/// <summary>How <see cref="DefinitionsImport.Apply"/> applies definitions.</summary>
public sealed record DefinitionsImportOptions
{
    /// <summary>Told of each entry that is not applied; may throw to stop the import (an HTTP import's 400).</summary>
    public required Action<DefinitionsProblem> Report { get; init; }

    /// <summary>
    /// True (the definitions file at start-up): an object the broker refuses (a name the limits
    /// now refuse, an argument out of range) is reported and skipped, and the rest is applied.
    /// False (HTTP): the broker's refusal propagates as its <see cref="BrokerException"/>.
    /// </summary>
    public bool SkipRefused { get; init; }

    /// <summary>Every exchange and queue is declared durable (the durable definitions file holds nothing else).</summary>
    public bool AllDurable { get; init; }

    /// <summary>Exchanges, queues and bindings go into this vhost whatever their entries say; users, vhosts and permissions are not applied.</summary>
    public VirtualHost? Into { get; init; }
}

/// <summary>
/// Applies <see cref="BrokerDefinitions"/> to a broker, merging: objects not in the definitions stay;
/// users, vhost metadata and permissions are overwritten; an existing exchange or queue declared
/// differently is left as it is. Sections are applied in dependency order (users, vhosts,
/// permissions, exchanges, queues, bindings).
/// </summary>
public static class DefinitionsImport
{
    /// <summary>Applies <paramref name="definitions"/>; problems go to <see cref="DefinitionsImportOptions.Report"/>.</summary>
    public static void Apply(Broker broker, BrokerDefinitions definitions, DefinitionsImportOptions options)
    {
        var apply = new Applier(broker, options);
        if (options.Into is null)
        {
            foreach (var user in definitions.Users) apply.Each("users", () => apply.User(user));
            foreach (var vhost in definitions.VirtualHosts) apply.Each("vhosts", () => apply.VirtualHost(vhost));
            foreach (var permission in definitions.Permissions) apply.Each("permissions", () => apply.Permission(permission));
        }
        foreach (var exchange in definitions.Exchanges) apply.Each("exchanges", () => apply.Exchange(exchange));
        foreach (var queue in definitions.Queues) apply.Each("queues", () => apply.Queue(queue));
        foreach (var binding in definitions.Bindings) apply.Each("bindings", () => apply.Binding(binding));
    }

    private sealed class Applier(Broker broker, DefinitionsImportOptions options)
    {
        /// <summary>Applies one entry; with <see cref="DefinitionsImportOptions.SkipRefused"/> a refusal becomes a problem, not a failed start.</summary>
        public void Each(string section, Action apply)
        {
            try
            {
                apply();
            }
            catch (Exception e) when (options.SkipRefused && e is BrokerException or FormatException)
            {
                Invalid($"{section}: {e.Message}");
            }
        }

        private void Invalid(string message) => options.Report(new(message, DefinitionsProblemKind.Invalid));

        public void User(UserDefinition u)
        {
            if (u.HashingAlgorithm is { } algorithm && algorithm != Security.User.HashingAlgorithm)
            {
                Invalid($"user '{u.Name}': unsupported hashing_algorithm '{algorithm}'");
                return;
            }
            // As RabbitMQ: no hash is a user that cannot log in with a password.
            if (UserPut.Apply(broker, u.Name, u.Password, u.Password is null ? u.PasswordHash ?? "" : null, u.Tags) == UserPutResult.BadHash)
                Invalid($"user '{u.Name}': password_hash is not a base64 salted SHA-256 hash");
        }

        public void VirtualHost(VirtualHostDefinition v)
        {
            var vhost = broker.AddVirtualHost(v.Name);
            if (v.Description is { } description) vhost.Description = description;
            if (v.Tags is { } tags) vhost.Tags = [.. tags];
        }

        public void Permission(PermissionDefinition p)
        {
            var user = broker.FindUser(p.User);
            if (user is null)
            {
                Invalid($"permissions: user '{p.User}' does not exist");
                return;
            }
            if (broker.FindVirtualHost(p.VirtualHost) is null)
            {
                Invalid($"permissions: vhost '{p.VirtualHost}' does not exist");
                return;
            }
            if ((InvalidPattern(p.Configure, "configure") ?? InvalidPattern(p.Write, "write") ?? InvalidPattern(p.Read, "read")) is { } problem)
            {
                Invalid(problem);
                return;
            }
            user.SetPermissions(p.VirtualHost, new VhostPermissions(p.Configure, p.Write, p.Read));
        }

        public void Exchange(ExchangeDefinition x)
        {
            if (Target("exchanges", x.Name, x.VirtualHost) is not { } vhost) return;
            var existing = vhost.FindExchange(x.Name);
            if (existing is not null && (existing.IsPredeclared || x.Name.StartsWith("amq.", StringComparison.Ordinal))) return;
            if (!ExchangeTypes.IsKnown(x.Type))
            {
                Invalid($"exchange '{x.Name}': unknown type '{x.Type}'");
                return;
            }
            LeaveInequivalent(existing is not null, () => vhost.DeclareExchange(x.Name, x.Type, options.AllDurable || x.Durable, x.AutoDelete,
                x.Internal, NullIfEmpty(x.Arguments)));
        }

        public void Queue(QueueDefinition q)
        {
            if (Target("queues", q.Name, q.VirtualHost) is not { } vhost) return;
            LeaveInequivalent(vhost.FindQueue(q.Name) is not null, () => vhost.DeclareQueue(q.Name, options.AllDurable || q.Durable,
                exclusive: false, q.AutoDelete, NullIfEmpty(q.Arguments)));
        }

        public void Binding(BindingDefinition b)
        {
            if (Target("bindings", b.Destination, b.VirtualHost) is not { } vhost) return;
            if (b.Source.Length == 0)
            {
                options.Report(new("bindings: an entry has no source (the default exchange's bindings are implicit)", DefinitionsProblemKind.Omitted));
                return;
            }
            if (b.DestinationType == "exchange") vhost.BindExchange(b.Destination, b.Source, b.RoutingKey, NullIfEmpty(b.Arguments));
            else vhost.BindQueue(b.Destination, b.Source, b.RoutingKey, NullIfEmpty(b.Arguments));
        }

        private VirtualHost? Target(string section, string name, string? vhostName)
        {
            if (options.Into is { } into) return into;
            if (vhostName is null)
            {
                Invalid($"{section}: '{name}' names no vhost");
                return null;
            }
            var vhost = broker.FindVirtualHost(vhostName);
            if (vhost is null) Invalid($"{section}: '{name}' names missing vhost '{vhostName}'");
            return vhost;
        }

        /// <summary>
        /// Declares; an object that already exists with other properties stays as it is (merge
        /// semantics), while a new one with invalid arguments is refused.
        /// </summary>
        private static void LeaveInequivalent(bool exists, Action declare)
        {
            try
            {
                declare();
            }
            catch (BrokerException e) when (exists && e.Error is BrokerError.PreconditionFailed or BrokerError.ResourceLocked)
            {
            }
        }

        private static string? InvalidPattern(string pattern, string key)
        {
            try
            {
                _ = new Regex(pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
                return null;
            }
            catch (ArgumentException e)
            {
                return $"invalid {key} regular expression '{pattern}': {e.Message}";
            }
        }

        private static IReadOnlyDictionary<string, object?>? NullIfEmpty(IReadOnlyDictionary<string, object?> arguments) =>
            arguments.Count == 0 ? null : arguments;
    }
}
