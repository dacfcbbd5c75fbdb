using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Tidings.Connections.Listeners;
using Tidings.Core;

namespace Tidings.Http.Management;

/// <summary>
/// RabbitMQ's health checks: same paths and bodies so existing probes work unchanged. Like
/// RabbitMQ's they need a user with a management tag, unless
/// Tidings:Http:HealthChecks:RequireAuthentication is false for probes that cannot send
/// credentials; a failed check answers 503 {"status":"failed"}.
/// </summary>
internal static class HealthEndpoints
{
    public static void Register(ApiRouter router)
    {
        // The node answers, so it is up.
        router.Get("healthchecks/node", Access.HealthCheck, "Legacy node health check", _ => Ok());
        router.Get("healthchecks/node/{node}", Access.HealthCheck, "Legacy node health check for a named node",
            r => r["node"] == Formats.Node(r.Broker) ? Ok() : Failed($"node {r["node"]} is not this node"));
        router.Get("health/checks/alarms", Access.HealthCheck, "Fails while a resource alarm is in effect", Alarms);
        router.Get("health/checks/local-alarms", Access.HealthCheck, "Fails while a resource alarm is in effect on this node", Alarms);
        router.Get("health/checks/virtual-hosts", Access.HealthCheck, "Fails when a virtual host is down (they are always up)", _ => Ok());
        router.Get("health/checks/is-in-service", Access.HealthCheck, "The node is in service", _ => Ok());
        router.Get("health/checks/ready-to-serve-clients", Access.HealthCheck, "The node accepts client connections", _ => Ok());
        router.Get("health/checks/node-is-quorum-critical", Access.HealthCheck, "No quorum queue depends on this node (single node)", _ => Ok());
        router.Get("health/checks/below-node-connection-limit", Access.HealthCheck, "The node has no connection limit", _ => Ok());
        router.Get("health/checks/certificate-expiration/{within}/{unit}", Access.HealthCheck,
            "Fails if the TLS listeners' certificate expires within the period (unit: days, weeks, months, years)", CertificateExpiration);
        router.Get("health/checks/port-listener/{port}", Access.HealthCheck, "Fails unless the node listens on the port", PortListener);
        router.Get("health/checks/protocol-listener/{protocols}", Access.HealthCheck,
            "Fails unless the node listens for the protocols (comma separated)", ProtocolListener);
    }

    private static IResult Ok() => Json.Ok(new Dictionary<string, object?> { ["status"] = "ok" });

    private static IResult Failed(string reason, Dictionary<string, object?>? more = null)
    {
        var body = new Dictionary<string, object?> { ["status"] = "failed", ["reason"] = reason };
        foreach (var (key, value) in more ?? []) body[key] = value;
        return Json.Reply(body, StatusCodes.Status503ServiceUnavailable);
    }

    private static IResult Alarms(ApiRequest request)
    {
        var alarms = request.Broker.Alarms;
        if (!alarms.IsBlocked) return Ok();
        return Failed("resource alarm(s) in effect: " + alarms.Reason, new()
        {
            ["alarms"] = alarms.Active.Select(a => new Dictionary<string, object?>
            {
                ["node"] = Formats.Node(request.Broker),
                ["resource"] = a,
            }).ToList(),
        });
    }

    /// <summary>As RabbitMQ: 400 for a bad period, 503 listing the listeners whose certificate expires within it.</summary>
    private static IResult CertificateExpiration(ApiRequest request)
    {
        if (!int.TryParse(request["within"], out int within) || within < 0)
            return Tidings.Http.Common.HttpErrors.BadRequest("within must be a non-negative integer");
        var now = request.Broker.Time.GetUtcNow();
        DateTimeOffset? until = request["unit"].ToLowerInvariant() switch
        {
            "days" or "day" => now.AddDays(within),
            "weeks" or "week" => now.AddDays(7.0 * within),
            "months" or "month" => now.AddMonths(within),
            "years" or "year" => now.AddYears(within),
            _ => null,
        };
        if (until is null) return Tidings.Http.Common.HttpErrors.BadRequest("unit must be one of days, weeks, months, years");
        var registry = request.Http.RequestServices.GetService<ListenerRegistry>();
        if (registry?.Certificate is not { } certificate) return Ok();
        var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero);
        if (notAfter > until) return Ok();
        var expiring = registry.Bound().Where(l => l.Tls).Select(l => new Dictionary<string, object?>
        {
            ["node"] = Formats.Node(request.Broker),
            ["protocol"] = l.Protocol,
            ["interface"] = l.EndPoint.Address.ToString(),
            ["port"] = l.EndPoint.Port,
            ["certfile"] = certificate.Subject,
            ["cacertfile"] = certificate.Issuer,
            ["expiry_date"] = notAfter.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        }).ToList();
        return expiring.Count == 0 ? Ok() : Failed("Certificates expiring", new() { ["expired"] = expiring });
    }

    private static IResult PortListener(ApiRequest request)
    {
        if (!int.TryParse(request["port"], out int port)) return Tidings.Http.Common.HttpErrors.BadRequest("port must be an integer");
        var ports = Listeners.Of(request.Http).Select(l => l.Port).Distinct().ToList();
        return ports.Contains(port)
            ? Json.Ok(new Dictionary<string, object?> { ["status"] = "ok", ["port"] = port })
            : Failed($"No active listener on port {port}", new() { ["missing"] = port, ["ports"] = ports });
    }

    private static IResult ProtocolListener(ApiRequest request)
    {
        var wanted = request["protocols"].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Normalize).ToList();
        var have = Listeners.Of(request.Http).Select(l => l.Protocol).Distinct().ToList();
        var missing = wanted.Where(p => !have.Contains(p)).ToList();
        return missing.Count == 0
            ? Json.Ok(new Dictionary<string, object?> { ["status"] = "ok", ["protocols"] = wanted })
            : Failed($"No active listener for protocol(s) {string.Join(", ", missing)}",
                new() { ["missing"] = missing, ["protocols"] = have });

        // RabbitMQ accepts aliases such as "amqp091" and "http/api".
        static string Normalize(string protocol) => protocol.ToLowerInvariant() switch
        {
            "amqp091" or "amqp0-9-1" or "amqp" => "amqp",
            "amqps" => "amqp/ssl",
            "mqtts" or "mqtt+tls" or "mqtt+ssl" => "mqtt/ssl",
            "http" or "http/api" or "management" => "http",
            var other => other,
        };
    }
}
