using System.Net;

namespace Tidings.Http.Tests;

public sealed class HealthCheckTests
{
    [Fact]
    public async Task Node_health_check_answers_ok_like_rabbitmq()
    {
        await using var server = await HttpTestServer.StartAsync();
        using var client = server.Client(user: null);

        using var response = await client.GetAsync("/api/healthchecks/node");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Alarm_health_check_fails_with_503_while_an_alarm_is_on()
    {
        await using var server = await HttpTestServer.StartAsync();
        using var client = server.Client(user: null);
        server.Broker.Alarms.Set("memory", true);

        using var response = await client.GetAsync("/api/health/checks/alarms");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("\"status\":\"failed\"", await response.Content.ReadAsStringAsync());
    }
}
