using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Exchanges;
using Tidings.Core.Security;
using Tidings.Http.Common;
using Fields = System.Collections.Generic.Dictionary<string, object?>;

namespace Tidings.Http.Management;

/// <summary>
/// /api/definitions: export and import of users, vhosts, permissions, queues, exchanges and
/// bindings in RabbitMQ's file format. Import merges: objects not in the file stay; users,
/// vhost metadata and permissions are overwritten; an existing queue or exchange declared
/// differently is left as it is. Policies and parameters are accepted and not applied.
/// </summary>
internal static class DefinitionEndpoints
{
    public static void Register(ApiRouter router)
    {
        router.Get("definitions", Access.Administrator, "Exports the broker's definitions", r => Json.Ok(Export(r, null)));
        router.Post("definitions", Access.Administrator, "Imports definitions (JSON body, or multipart field 'file')", r => Import(r, null));
        router.Get("definitions/{vhost}", Access.Administrator, "Exports one virtual host's definitions", r => Json.Ok(Export(r, r.Vhost())));
        router.Post("definitions/{vhost}", Access.Administrator, "Imports definitions into one virtual host", r => Import(r, r.Vhost()));
    }

    // ---- export ----

    private static Fields Export(ApiRequest request, VirtualHost? only)
    {
        var broker = request.Broker;
        var vhosts = only is null ? broker.VirtualHosts.OrderBy(v => v.Name, StringComparer.Ordinal).ToList() : [only];
        bool withVhost = only is null;
        var fields = new Fields(StringComparer.Ordinal)
        {
            ["rabbit_version"] = OverviewEndpoints.CompatibleRabbitMqVersion,
            ["rabbitmq_version"] = OverviewEndpoints.CompatibleRabbitMqVersion,
            ["product_name"] = "Tidings",
            ["product_version"] = Broker.Version,
        };
        if (withVhost)
        {
            var users = broker.Users.OrderBy(u => u.Name, StringComparer.Ordinal).ToList();
            fields["users"] = users.Select(u => new Fields(StringComparer.Ordinal)
            {
                ["name"] = u.Name,
                ["password_hash"] = u.PasswordHash,
                ["hashing_algorithm"] = User.HashingAlgorithm,
                ["tags"] = u.Tags.ToList(),
                ["limits"] = new Fields(),
            }).ToList();
            fields["vhosts"] = vhosts.Select(v => new Fields(StringComparer.Ordinal)
            {
                ["name"] = v.Name,
                ["description"] = v.Description,
                ["tags"] = v.Tags.ToList(),
                ["default_queue_type"] = "classic",
                ["metadata"] = new Fields(StringComparer.Ordinal)
                {
                    ["description"] = v.Description,
                    ["tags"] = v.Tags.ToList(),
                    ["default_queue_type"] = "classic",
                },
            }).ToList();
            fields["permissions"] = Formats.Permissions(users).Select(p => new Fields(StringComparer.Ordinal)
            {
                ["user"] = p.User,
                ["vhost"] = p.Vhost,
                ["configure"] = p.Permissions.Configure,
                ["write"] = p.Permissions.Write,
                ["read"] = p.Permissions.Read,
            }).ToList();
            fields["topic_permissions"] = Array.Empty<object>();
        }
        fields["parameters"] = Array.Empty<object>();
        if (withVhost) fields["global_parameters"] = Array.Empty<object>();
        fields["policies"] = Array.Empty<object>();

        var queues = new List<Fields>();
        var exchanges = new List<Fields>();
        var bindings = new List<Fields>();
        foreach (var vhost in vhosts)
        {
            // Exclusive queues die with their connection; RabbitMQ leaves them out too.
            foreach (var queue in vhost.Queues.Where(q => !q.Exclusive).OrderBy(q => q.Name, StringComparer.Ordinal))
            {
                var entry = new Fields(StringComparer.Ordinal) { ["name"] = queue.Name };
                if (withVhost) entry["vhost"] = vhost.Name;
                entry["durable"] = queue.Durable;
                entry["auto_delete"] = queue.AutoDelete;
                entry["arguments"] = Json.FromTable(queue.Arguments);
                queues.Add(entry);
            }
            foreach (var exchange in vhost.Exchanges.Where(x => !x.IsPredeclared).OrderBy(x => x.Name, StringComparer.Ordinal))
            {
                var entry = new Fields(StringComparer.Ordinal) { ["name"] = exchange.Name };
                if (withVhost) entry["vhost"] = vhost.Name;
                entry["type"] = exchange.Type;
                entry["durable"] = exchange.Durable;
                entry["auto_delete"] = exchange.AutoDelete;
                entry["internal"] = exchange.Internal;
                entry["arguments"] = Json.FromTable(exchange.Arguments);
                exchanges.Add(entry);
            }
            foreach (var binding in vhost.Bindings.Select(Formats.BindingView.Of))
            {
                if (binding.DestinationType == "queue" && vhost.FindQueue(binding.Destination) is { Exclusive: true }) continue;
                var entry = new Fields(StringComparer.Ordinal) { ["source"] = binding.Source };
                if (withVhost) entry["vhost"] = vhost.Name;
                entry["destination"] = binding.Destination;
                entry["destination_type"] = binding.DestinationType;
                entry["routing_key"] = binding.RoutingKey;
                entry["arguments"] = Json.FromTable(binding.Arguments);
                bindings.Add(entry);
            }
        }
        fields["queues"] = queues;
        fields["exchanges"] = exchanges;
        fields["bindings"] = bindings;
        return fields;
    }

    // ---- import ----

    private static IResult Import(ApiRequest request, VirtualHost? only)
    {
        var root = request.BodyObject();
        var broker = request.Broker;
        if (only is null)
        {
            foreach (var user in Items(root, "users"))
            {
                string name = Required(user, "name", "users");
                string? algorithm = Text(user, "hashing_algorithm");
                if (algorithm is not null && algorithm != User.HashingAlgorithm)
                    return HttpErrors.BadRequest($"user '{name}': unsupported hashing_algorithm '{algorithm}'");
                string? password = Text(user, "password");
                string? hash = Text(user, "password_hash");
                var tags = user.TryGetProperty("tags", out var t) ? Json.AsTags(t) : [];
                UserEndpoints.ApplyUser(broker, name, password, password is null ? hash ?? "" : null, tags);
            }
            foreach (var entry in Items(root, "vhosts"))
            {
                var vhost = broker.AddVirtualHost(Required(entry, "name", "vhosts"));
                var metadata = entry.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object ? m : entry;
                if ((Text(entry, "description") ?? Text(metadata, "description")) is { } description) vhost.Description = description;
                if (entry.TryGetProperty("tags", out var tags) || metadata.TryGetProperty("tags", out tags)) vhost.Tags = Json.AsTags(tags);
            }
            foreach (var entry in Items(root, "permissions"))
            {
                string userName = Required(entry, "user", "permissions"), vhostName = Required(entry, "vhost", "permissions");
                var user = broker.FindUser(userName);
                if (user is null) return HttpErrors.BadRequest($"permissions: user '{userName}' does not exist");
                if (broker.FindVirtualHost(vhostName) is null) return HttpErrors.BadRequest($"permissions: vhost '{vhostName}' does not exist");
                user.SetPermissions(vhostName, new VhostPermissions(
                    UserEndpoints.ValidPattern(Text(entry, "configure") ?? "", "configure"),
                    UserEndpoints.ValidPattern(Text(entry, "write") ?? "", "write"),
                    UserEndpoints.ValidPattern(Text(entry, "read") ?? "", "read")));
            }
        }

        foreach (var entry in Items(root, "exchanges"))
        {
            var vhost = TargetVhost(broker, entry, only);
            string name = Required(entry, "name", "exchanges");
            if (vhost.FindExchange(name) is { } existing && (existing.IsPredeclared || name.StartsWith("amq.", StringComparison.Ordinal))) continue;
            string type = Text(entry, "type") ?? throw Bad($"exchange '{name}': type is missing");
            if (!ExchangeTypes.IsKnown(type)) throw Bad($"exchange '{name}': unknown type '{type}'");
            LeaveInequivalent(vhost.FindExchange(name) is not null, () => vhost.DeclareExchange(name, type, Flag(entry, "durable"), Flag(entry, "auto_delete"),
                Flag(entry, "internal"), Arguments(entry)));
        }
        foreach (var entry in Items(root, "queues"))
        {
            var vhost = TargetVhost(broker, entry, only);
            string name = Required(entry, "name", "queues");
            LeaveInequivalent(vhost.FindQueue(name) is not null, () => vhost.DeclareQueue(name, Flag(entry, "durable"), exclusive: false, Flag(entry, "auto_delete"),
                Arguments(entry)));
        }
        foreach (var entry in Items(root, "bindings"))
        {
            var vhost = TargetVhost(broker, entry, only);
            string source = Text(entry, "source") ?? "", destination = Required(entry, "destination", "bindings");
            string routingKey = Text(entry, "routing_key") ?? "";
            if (source.Length == 0) continue; // the default exchange's bindings are implicit
            if (Text(entry, "destination_type") == "exchange") vhost.BindExchange(destination, source, routingKey, Arguments(entry));
            else vhost.BindQueue(destination, source, routingKey, Arguments(entry));
        }
        return Results.NoContent();
    }

    /// <summary>The entries of a section; a missing section is empty, as RabbitMQ reads it.</summary>
    private static IEnumerable<JsonElement> Items(JsonElement root, string section)
    {
        if (!root.TryGetProperty(section, out var list) || list.ValueKind == JsonValueKind.Null) return [];
        if (list.ValueKind != JsonValueKind.Array) throw Bad($"{section} must be a list");
        return list.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object ? e : throw Bad($"{section} entries must be objects"))
            .ToList();
    }

    private static VirtualHost TargetVhost(Broker broker, JsonElement entry, VirtualHost? only)
    {
        if (only is not null) return only;
        string name = Text(entry, "vhost") ?? throw Bad("vhost is missing");
        return broker.FindVirtualHost(name) ?? throw Bad($"vhost '{name}' does not exist");
    }

    /// <summary>
    /// A name the entry cannot do without: missing, null or empty is a 400, not a null reaching
    /// the core; an empty queue name would declare a durable server-named queue that a restart
    /// refuses as reserved (both found by fuzzing).
    /// </summary>
    private static string Required(JsonElement entry, string key, string section) =>
        Text(entry, key) is { Length: > 0 } text ? text : throw Bad($"{section}: an entry has no {key}");

    private static string? Text(JsonElement entry, string key) =>
        entry.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null ? Json.AsString(v, key) : null;

    private static bool Flag(JsonElement entry, string key) =>
        entry.TryGetProperty(key, out var v) && v.ValueKind != JsonValueKind.Null && Json.AsBool(v, key);

    private static Dictionary<string, object?>? Arguments(JsonElement entry)
    {
        var table = entry.TryGetProperty("arguments", out var v) ? Json.ToTable(v, "arguments") : [];
        return table.Count == 0 ? null : table;
    }

    /// <summary>
    /// Declares; an object that already exists with other properties stays as it is (merge
    /// semantics), while a new one with invalid arguments fails the import.
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

    private static ApiError Bad(string reason) => new(HttpErrors.BadRequest(reason));
}
