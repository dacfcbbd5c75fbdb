using System.Net;
using Tidings.Http.Tests.Management;

namespace Tidings.Http.Tests;

/// <summary>RabbitMQ's health checks and who may call them (Tidings:Http:HealthChecks:RequireAuthentication).</summary>
public sealed class HealthCheckTests
{
    private static readonly string[] Checks =
    [
        "/api/healthchecks/node", "/api/health/checks/alarms", "/api/health/checks/local-alarms",
        "/api/health/checks/virtual-hosts", "/api/health/checks/is-in-service", "/api/health/checks/ready-to-serve-clients",
        "/api/health/checks/node-is-quorum-critical", "/api/health/checks/below-node-connection-limit",
        "/api/health/checks/certificate-expiration/1/months", "/api/health/checks/protocol-listener/amqp",
    ];

    [Fact]
    public async Task Node_health_check_answers_ok_like_rabbitmq()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        using var response = await client.GetAsync("/api/healthchecks/node");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Alarm_health_check_fails_with_503_while_an_alarm_is_on()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();
        server.Broker.Alarms.Set("memory", true);

        using var response = await client.GetAsync("/api/health/checks/alarms");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("\"status\":\"failed\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Health_checks_require_a_management_user_by_default_like_rabbitmq()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.AddUser("operator", "o", ["management"]);
        server.Broker.AddUser("app", "a");
        using var anonymous = server.Client(user: null);
        using var management = server.Client("operator", "o");
        using var app = server.Client("app", "a");

        foreach (var check in Checks)
        {
            using var refused = await anonymous.GetAsync(check);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{check} answered {refused.StatusCode} without credentials");
            Assert.StartsWith("Basic ", refused.Headers.WwwAuthenticate.ToString());
            using var ok = await management.GetAsync(check);
            Assert.True(ok.StatusCode == HttpStatusCode.OK, $"{check}: {await ok.Content.ReadAsStringAsync()}");
            var untagged = await (await app.GetAsync(check)).ExpectAsync(HttpStatusCode.Unauthorized, "not_authorised");
            Assert.Equal("Not management user", untagged!.Value.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task Health_checks_answer_without_credentials_when_authentication_is_turned_off()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync(configureHttp: o => o.HealthChecks.RequireAuthentication = false);
        using var anonymous = server.Client(user: null);

        foreach (var check in Checks)
        {
            using var response = await anonymous.GetAsync(check);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{check}: {await response.Content.ReadAsStringAsync()}");
        }
        server.Broker.Alarms.Set("disk", true);
        using var alarm = await anonymous.GetAsync("/api/health/checks/alarms");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, alarm.StatusCode);
        // The setting opens the health checks only.
        await (await anonymous.GetAsync("/api/overview")).ExpectAsync(HttpStatusCode.Unauthorized, "not_authorised");
    }
}
