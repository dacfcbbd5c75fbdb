using System.Net;
using Tidings.Core;
using Tidings.Core.Messages;
using Tidings.Http.Tests.Management;

namespace Tidings.Http.Tests.Metrics;

/// <summary>What /metrics and /metrics/per-object show (Tidings:Http:Metrics:PerObject) and to whom (RequireAuthentication).</summary>
public sealed class MetricsAccessTests
{
    private static readonly string[] Paths = ["/metrics", "/metrics/per-object"];

    /// <summary>Two vhosts with secret-looking names, three queues and a few messages.</summary>
    private static void Populate(Broker broker)
    {
        var payroll = broker.AddVirtualHost("payroll-vhost");
        payroll.DeclareQueue("salaries-queue");
        payroll.DeclareQueue("bonuses-queue");
        broker.DefaultVirtualHost.DeclareQueue("orders-queue");
        for (int i = 0; i < 3; i++) payroll.Publish("", "salaries-queue", new MessageProperties(), "abcd"u8.ToArray());
        broker.DefaultVirtualHost.Publish("", "orders-queue", new MessageProperties(), "xy"u8.ToArray());
    }

    [Fact]
    public async Task Metrics_are_aggregated_by_default_totals_without_vhost_or_queue_names()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        Populate(server.Broker);
        using var client = server.Client(user: null);

        string body = await client.GetStringAsync("/metrics");

        Assert.DoesNotContain("payroll-vhost", body);
        Assert.DoesNotContain("salaries-queue", body);
        Assert.DoesNotContain("orders-queue", body);
        Assert.DoesNotContain("vhost=", body);
        Assert.DoesNotContain("queue=", body);
        var metrics = PrometheusText.Parse(body); // still valid text format 0.0.4: HELP, TYPE, one block per family
        Assert.Equal(4, metrics.Value("tidings_queue_messages_ready"));
        Assert.Equal(3 * 4 + 2, metrics.Value("tidings_queue_messages_ready_bytes"));
        Assert.Equal(4, metrics.Value("tidings_queue_messages_published_total"));
        Assert.Equal(0, metrics.Value("tidings_queue_consumers"));
        Assert.Equal(4, metrics.Value("tidings_vhost_messages_published_total"));
        Assert.Equal("counter", metrics.Types["tidings_vhost_messages_published_total"]);
        Assert.Equal("gauge", metrics.Types["tidings_queue_messages_ready"]);
        Assert.Equal(3, metrics.Value("tidings_queues"));
        Assert.Equal(2, metrics.Value("tidings_virtual_hosts"));
        // One sample per queue and vhost family, whatever the number of objects.
        Assert.Single(metrics.Samples, s => s.Name == "tidings_queue_messages_ready");
        Assert.Single(metrics.Samples, s => s.Name == "tidings_vhost_messages_acknowledged_total");
    }

    [Fact]
    public async Task Per_object_endpoint_names_every_vhost_and_queue_whatever_the_setting()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        Populate(server.Broker);
        using var client = server.Client(user: null);

        var metrics = PrometheusText.Parse(await client.GetStringAsync("/metrics/per-object"));

        Assert.Equal(3, metrics.Value("tidings_queue_messages_ready", ("vhost", "payroll-vhost"), ("queue", "salaries-queue")));
        Assert.Equal(0, metrics.Value("tidings_queue_messages_ready", ("vhost", "payroll-vhost"), ("queue", "bonuses-queue")));
        Assert.Equal(1, metrics.Value("tidings_queue_messages_ready", ("vhost", "/"), ("queue", "orders-queue")));
        Assert.Equal(3, metrics.Value("tidings_vhost_messages_published_total", ("vhost", "payroll-vhost")));
        Assert.Equal(3, metrics.Value("tidings_queues"));
    }

    [Fact]
    public async Task PerObject_setting_makes_metrics_name_vhosts_and_queues()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync(configureHttp: o => o.Metrics.PerObject = true);
        Populate(server.Broker);
        using var client = server.Client(user: null);

        var metrics = PrometheusText.Parse(await client.GetStringAsync("/metrics"));

        Assert.Equal(3, metrics.Value("tidings_queue_messages_ready", ("vhost", "payroll-vhost"), ("queue", "salaries-queue")));
        Assert.Equal(1, metrics.Value("tidings_vhost_messages_published_total", ("vhost", "/")));
        Assert.Null(metrics.Value("tidings_queue_messages_ready"));
    }

    [Fact]
    public async Task Metrics_need_no_credentials_by_default()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client(user: null);

        foreach (var path in Paths)
        {
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Required_authentication_refuses_scrapes_without_credentials_with_401_and_a_challenge()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync(configureHttp: o => o.Metrics.RequireAuthentication = true);
        Populate(server.Broker);
        using var anonymous = server.Client(user: null);
        using var wrong = server.Client("guest", "wrong");

        foreach (var path in Paths)
        {
            using var response = await anonymous.GetAsync(path);
            string body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith("Basic ", response.Headers.WwwAuthenticate.ToString());
            Assert.DoesNotContain("salaries-queue", body);
            await (await wrong.GetAsync(path)).ExpectAsync(HttpStatusCode.Unauthorized, "not_authorised");
        }
    }

    [Fact]
    public async Task Required_authentication_admits_monitoring_and_administrator_users_only()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync(configureHttp: o => o.Metrics.RequireAuthentication = true);
        Populate(server.Broker);
        server.Broker.AddUser("scraper", "s", ["monitoring"]);
        server.Broker.AddUser("operator", "o", ["management"]);
        server.Broker.AddUser("app", "a");
        using var scraper = server.Client("scraper", "s");
        using var admin = server.Client();
        using var management = server.Client("operator", "o");
        using var app = server.Client("app", "a");

        foreach (var path in Paths)
        {
            foreach (var client in new[] { scraper, admin })
            {
                using var response = await client.GetAsync(path);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                PrometheusText.Parse(await response.Content.ReadAsStringAsync());
            }
            // RabbitMQ's is_authorized_monitor: the management tag alone does not reach every vhost's objects.
            var refused = await (await management.GetAsync(path)).ExpectAsync(HttpStatusCode.Forbidden, "not_authorised");
            Assert.Equal("Not monitor user", refused!.Value.GetProperty("reason").GetString());
            var untagged = await (await app.GetAsync(path)).ExpectAsync(HttpStatusCode.Unauthorized, "not_authorised");
            Assert.Equal("Not management user", untagged!.Value.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task Required_authentication_throttles_a_scraper_guessing_passwords()
    {
        var options = new BrokerOptions { MemoryHighWatermarkBytes = 0 };
        options.LoginThrottling.AddressBurst = 3;
        await using var server = await TestBrokerServer.StartWithHttpAsync(options, o => o.Metrics.RequireAuthentication = true);
        using var guesser = server.Client("guest", "guess");

        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            using var response = await guesser.GetAsync("/metrics");
            codes.Add(response.StatusCode);
        }

        Assert.Equal(3, codes.Count(c => c == HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.TooManyRequests, codes[^1]);
    }
}
