using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Security;
using Tidings.Core.Sessions;
using Tidings.Http.Common;

namespace Tidings.Http.Management;

/// <summary>
/// One management request as handlers see it: the authenticated user, the decoded path
/// variables, the query, the parsed JSON body and the access rules that depend on the user.
/// </summary>
internal sealed class ApiRequest(HttpContext http, Broker broker, StatsSampler sampler, User? user,
    Dictionary<string, string> values, JsonElement? body)
{
    /// <summary>Protocol name of the connections the API opens for itself; they are not listed.</summary>
    public const string InternalProtocol = "HTTP management";

    public HttpContext Http { get; } = http;
    public Broker Broker { get; } = broker;
    public StatsSampler Sampler { get; } = sampler;

    /// <summary>The authenticated user; only public routes run without one.</summary>
    public User User => user ?? throw new InvalidOperationException("route is public");

    /// <summary>The JSON body of PUT/POST, or null when there was none.</summary>
    public JsonElement? Body { get; } = body;

    /// <summary>A decoded path variable, e.g. request["vhost"] for "/" from "%2F".</summary>
    public string this[string name] => values[name];

    /// <summary>A query-string value, or null.</summary>
    public string? Query(string key)
    {
        var value = Http.Request.Query[key];
        return value.Count == 0 ? null : value[0];
    }

    /// <summary>True for query values "true" (RabbitMQ's only truthy spelling).</summary>
    public bool QueryFlag(string key) => string.Equals(Query(key), "true", StringComparison.OrdinalIgnoreCase);

    public bool IsAdministrator => BasicAuthentication.HasTag(User, "administrator");

    /// <summary>administrator and monitoring users see every vhost, connection and channel.</summary>
    public bool IsMonitor => IsAdministrator || BasicAuthentication.HasTag(User, "monitoring");

    /// <summary>Whether the user may see objects of <paramref name="vhost"/> (list filtering).</summary>
    public bool CanSee(VirtualHost vhost) => IsMonitor || User.PermissionsFor(vhost.Name) is not null;

    /// <summary>Whether the user may see a connection: its own, or any for monitors.</summary>
    public bool CanSee(ClientConnection connection) =>
        connection.Protocol != InternalProtocol && (IsMonitor || connection.User.Name == User.Name);

    /// <summary>
    /// The vhost named by path variable <paramref name="variable"/>: 404 when it does not exist,
    /// 403 when the user may not see it.
    /// </summary>
    public VirtualHost Vhost(string variable = "vhost")
    {
        var vhost = Broker.FindVirtualHost(this[variable]) ?? throw new ApiError(HttpErrors.NotFound());
        if (!CanSee(vhost)) throw new ApiError(HttpErrors.Forbidden("User not authorised to access virtual host"));
        return vhost;
    }

    /// <summary>The vhosts the user can see, optionally only the one in the path.</summary>
    public IEnumerable<VirtualHost> VisibleVhosts(bool fromPath)
    {
        if (fromPath) return [Vhost()];
        return Broker.VirtualHosts.Where(CanSee);
    }

    /// <summary>
    /// Opens a connection as the user to <paramref name="vhost"/> for work the broker checks
    /// permissions on (declare, delete, bind, publish, get). The caller disposes it.
    /// </summary>
    public ClientConnection Connect(VirtualHost vhost)
    {
        if (User.PermissionsFor(vhost.Name) is null)
            throw new ApiError(HttpErrors.Forbidden("User not authorised to access virtual host"));
        return Broker.OpenConnection(User, vhost.Name, InternalProtocol, remote: null);
    }

    /// <summary>The JSON body as an object; 400 when it is something else.</summary>
    public JsonElement BodyObject()
    {
        if (Body is not { } body) return EmptyObject;
        if (body.ValueKind != JsonValueKind.Object) throw new ApiError(HttpErrors.BadRequest("JSON body must be an object"));
        return body;
    }

    /// <summary>A property of the body, or null when absent or JSON null.</summary>
    public JsonElement? Field(string name) =>
        BodyObject().TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>A mandatory property: 400 "key_missing" as RabbitMQ when absent.</summary>
    public JsonElement Require(string name) =>
        Field(name) ?? throw new ApiError(HttpErrors.BadRequest($"[{{key_missing,{name}}}]"));

    public string? String(string name) => Field(name) is { } v ? Json.AsString(v, name) : null;

    public bool Bool(string name, bool fallback) => Field(name) is { } v ? Json.AsBool(v, name) : fallback;

    /// <summary>An "arguments" style object as a field table (empty when absent).</summary>
    public Dictionary<string, object?> Table(string name) =>
        Field(name) is { } v ? Json.ToTable(v, name) : [];

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;
}
