using System.Diagnostics;
using System.Net;
using System.Text;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Tidings.Core;
using Tidings.Core.Messages;

namespace Tidings.Http.Tests.Metrics;

public sealed class MetricsEndpointTests
{
    /// <summary>Per-object metrics, which name every vhost and queue.</summary>
    private static async Task<PrometheusText> ScrapeAsync(TestBrokerServer server)
    {
        using var client = server.Client(user: null);
        using var response = await client.GetAsync("/metrics/per-object");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    private static (string, string)[] Queue(string name, string vhost = "/") => [("vhost", vhost), ("queue", name)];

    [Fact]
    public async Task Metrics_are_served_without_credentials_in_text_format_0_0_4()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        server.Broker.DefaultVirtualHost.DeclareQueue("orders");
        using var client = server.Client(user: null);

        using var response = await client.GetAsync("/metrics");
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var metrics = PrometheusText.Parse(body); // throws on a malformed line, a missing HELP/TYPE, a split family
        Assert.All(metrics.Samples, s => Assert.StartsWith("tidings_", s.Name));
        string[] expected =
        [
            "tidings_queue_messages_ready", "tidings_queue_messages_unacked", "tidings_queue_messages_ready_bytes",
            "tidings_queue_consumers", "tidings_queue_messages_published_total", "tidings_queue_messages_delivered_total",
            "tidings_queue_messages_acknowledged_total", "tidings_queue_messages_redelivered_total",
            "tidings_connections", "tidings_connections_by_protocol", "tidings_detached_sessions", "tidings_channels", "tidings_consumers", "tidings_queues", "tidings_exchanges",
            "tidings_process_resident_memory_bytes", "tidings_managed_heap_bytes", "tidings_memory_limit_bytes",
            "tidings_disk_free_bytes", "tidings_alarm", "tidings_vhost_messages_published_total", "tidings_store_fsync_seconds",
        ];
        Assert.All(expected, name => Assert.True(metrics.Types.ContainsKey(name), $"{name} is missing"));
        Assert.Equal("counter", metrics.Types["tidings_queue_messages_published_total"]);
        Assert.Equal("gauge", metrics.Types["tidings_queue_messages_ready"]);
        Assert.Equal("histogram", metrics.Types["tidings_store_fsync_seconds"]);
        Assert.Equal(0, metrics.Value("tidings_queue_messages_ready")); // aggregated by default: a total without names
    }

    [Fact]
    public async Task Queue_and_global_metrics_follow_publishing_getting_requeueing_and_consuming()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync("work", durable: true, exclusive: false, autoDelete: false);
        for (int i = 0; i < 3; i++) await channel.BasicPublishAsync("", "work", Encoding.UTF8.GetBytes("hello"));

        // Get one, requeue it, get it again (a redelivery) and ack it.
        var first = await channel.BasicGetAsync("work", autoAck: false);
        await channel.BasicNackAsync(first!.DeliveryTag, multiple: false, requeue: true);
        var again = await channel.BasicGetAsync("work", autoAck: false);
        Assert.True(again!.Redelivered);
        await channel.BasicAckAsync(again.DeliveryTag, multiple: false);
        await channel.QueueDeclarePassiveAsync("work"); // a round trip: the broker has handled the ack

        var afterGets = await ScrapeAsync(server);
        Assert.Equal(2, afterGets.Value("tidings_queue_messages_ready", Queue("work")));
        Assert.Equal(0, afterGets.Value("tidings_queue_messages_unacked", Queue("work")));
        Assert.Equal(10, afterGets.Value("tidings_queue_messages_ready_bytes", Queue("work")));
        Assert.Equal(3, afterGets.Value("tidings_queue_messages_published_total", Queue("work")));
        Assert.Equal(2, afterGets.Value("tidings_queue_messages_delivered_total", Queue("work")));
        Assert.Equal(1, afterGets.Value("tidings_queue_messages_redelivered_total", Queue("work")));
        Assert.Equal(1, afterGets.Value("tidings_queue_messages_acknowledged_total", Queue("work")));
        Assert.Equal(3, afterGets.Value("tidings_vhost_messages_published_total", ("vhost", "/")));
        Assert.Equal(3, afterGets.Value("tidings_vhost_messages_confirmed_total", ("vhost", "/")));
        Assert.Equal(2, afterGets.Value("tidings_vhost_messages_delivered_get_manual_ack_total", ("vhost", "/")));
        Assert.Equal(1, afterGets.Value("tidings_vhost_messages_acknowledged_total", ("vhost", "/")));

        // A consumer with prefetch 1 holds one message unacked.
        await channel.BasicQosAsync(0, 1, global: false);
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, _) =>
        {
            delivered.TrySetResult();
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync("work", autoAck: false, consumer);
        await delivered.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var consuming = await ScrapeAsync(server);
        Assert.Equal(1, consuming.Value("tidings_queue_messages_ready", Queue("work")));
        Assert.Equal(1, consuming.Value("tidings_queue_messages_unacked", Queue("work")));
        Assert.Equal(5, consuming.Value("tidings_queue_messages_ready_bytes", Queue("work")));
        Assert.Equal(1, consuming.Value("tidings_queue_consumers", Queue("work")));
        Assert.Equal(3, consuming.Value("tidings_queue_messages_delivered_total", Queue("work")));
        Assert.Equal(1, consuming.Value("tidings_vhost_messages_delivered_consume_manual_ack_total", ("vhost", "/")));
        Assert.Equal(1, consuming.Value("tidings_connections"));
        Assert.Equal(1, consuming.Value("tidings_channels"));
        Assert.Equal(1, consuming.Value("tidings_consumers"));
        Assert.Equal(1, consuming.Value("tidings_queues"));
        Assert.Equal(6, consuming.Value("tidings_exchanges")); // the default exchange and the five amq.* ones
    }

    [Fact]
    public async Task Label_values_escape_backslash_quote_and_newline()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        const string vhostName = "team \"a\"";
        const string queueName = "back\\slash \"quoted\"\nnext line ünïcödé";
        server.Broker.AddVirtualHost(vhostName).DeclareQueue(queueName);
        server.Broker.FindVirtualHost(vhostName)!.Publish("", queueName, new MessageProperties(), "x"u8.ToArray());

        using var client = server.Client(user: null);
        string body = await client.GetStringAsync("/metrics/per-object");

        Assert.Contains("queue=\"back\\\\slash \\\"quoted\\\"\\nnext line ünïcödé\"", body);
        var metrics = PrometheusText.Parse(body);
        Assert.Equal(1, metrics.Value("tidings_queue_messages_ready", Queue(queueName, vhostName)));
        Assert.Equal(1, metrics.Value("tidings_vhost_messages_published_total", ("vhost", vhostName)));
    }

    [Fact]
    public async Task Memory_disk_and_alarm_gauges_describe_the_node()
    {
        // A data directory that does not exist yet is measured on its nearest existing parent's drive.
        using var temp = new TempDirectory();
        string dataDirectory = temp.Combine("data");
        var options = new BrokerOptions { DataDirectory = dataDirectory, MemoryHighWatermarkBytes = 1L << 40 };
        await using var server = await TestBrokerServer.StartWithHttpAsync(options);
        server.Broker.Alarms.Set("disk", true);

        var metrics = await ScrapeAsync(server);

        Assert.Equal(1, metrics.Value("tidings_alarm", ("resource", "disk")));
        Assert.Equal(0, metrics.Value("tidings_alarm", ("resource", "memory")));
        Assert.Equal(1L << 40, metrics.Value("tidings_memory_limit_bytes"));
        Assert.True(metrics.Value("tidings_process_resident_memory_bytes") > 1_000_000);
        Assert.True(metrics.Value("tidings_managed_heap_bytes") > 0);
        Assert.True(metrics.Value("tidings_disk_free_bytes") > 0);
        Assert.Equal(1, metrics.Value("tidings_build_info", ("version", Broker.Version), ("node", options.NodeName)));
    }

    [Fact]
    public async Task Contained_faults_are_counted()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        Assert.Equal(0, (await ScrapeAsync(server)).Value("tidings_faults_contained_total"));

        server.Broker.Faults.Report("test", new InvalidOperationException("contained"));

        Assert.Equal(1, (await ScrapeAsync(server)).Value("tidings_faults_contained_total"));
    }

    [Fact]
    public async Task Connections_are_counted_by_protocol_beside_the_total()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        Assert.DoesNotContain((await ScrapeAsync(server)).Samples, s => s.Name == "tidings_connections_by_protocol");
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = server.AmqpPort };
        await using var first = await factory.CreateConnectionAsync();
        await using var second = await factory.CreateConnectionAsync();
        var guest = server.Broker.FindUser("guest")!;
        using var other = server.Broker.OpenConnection(guest, "/", "TEST 1.0");

        // A client's connection is registered by the broker's side of the handshake, which may finish just after the client's.
        await Eventually.TrueAsync(async () => (await ScrapeAsync(server)).Value("tidings_connections") == 3, "three connections listed");
        var metrics = await ScrapeAsync(server);

        Assert.Equal(3, metrics.Value("tidings_connections"));
        Assert.Equal("gauge", metrics.Types["tidings_connections_by_protocol"]);
        Assert.Equal(2, metrics.Value("tidings_connections_by_protocol", ("protocol", "AMQP 0-9-1")));
        Assert.Equal(1, metrics.Value("tidings_connections_by_protocol", ("protocol", "TEST 1.0")));
    }

    [Fact]
    public async Task Metrics_an_adapter_registers_on_the_broker_are_exported_and_a_failing_one_is_contained()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var counter = server.Broker.Metrics.Counter("tidings_test_things_total", "Things the test counted.");
        long level = 7;
        server.Broker.Metrics.Gauge("tidings_test_level", "A level the test sets.", () => level);
        server.Broker.Metrics.Gauge("tidings_test_broken", "A gauge whose reader throws.", () => throw new InvalidOperationException("broken"));
        counter.Increment();
        counter.Add(2);

        var metrics = await ScrapeAsync(server);

        Assert.Equal("counter", metrics.Types["tidings_test_things_total"]);
        Assert.Equal(3, metrics.Value("tidings_test_things_total"));
        Assert.Equal("gauge", metrics.Types["tidings_test_level"]);
        Assert.Equal(7, metrics.Value("tidings_test_level"));
        Assert.Equal("A level the test sets.", metrics.Help["tidings_test_level"]);
        // The broken gauge's family has no sample, the fault is counted, and the scrape went on.
        Assert.Equal("gauge", metrics.Types["tidings_test_broken"]);
        Assert.Null(metrics.Value("tidings_test_broken"));
        Assert.Equal(1, metrics.Value("tidings_faults_contained_total"));
    }

    [Fact]
    public async Task Fsync_histogram_is_empty_until_the_store_records_and_then_cumulative()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();

        var empty = await ScrapeAsync(server);
        var emptyBuckets = empty.Samples.Where(s => s.Name == "tidings_store_fsync_seconds_bucket").ToList();
        Assert.Equal(LatencyHistogram.DefaultUpperBounds.Count + 1, emptyBuckets.Count);
        Assert.All(emptyBuckets, b => Assert.Equal(0, b.Value));
        Assert.Equal(0, empty.Value("tidings_store_fsync_seconds_count"));
        Assert.Equal(0, empty.Value("tidings_store_fsync_seconds_sum"));

        server.Broker.StoreFsyncLatency.Observe(TimeSpan.FromMilliseconds(3));
        server.Broker.StoreFsyncLatency.Observe(TimeSpan.FromMilliseconds(5)); // bounds are inclusive
        server.Broker.StoreFsyncLatency.Observe(TimeSpan.FromSeconds(20));
        var recorded = await ScrapeAsync(server);

        Assert.Equal(0, recorded.Value("tidings_store_fsync_seconds_bucket", ("le", "0.0025")));
        Assert.Equal(2, recorded.Value("tidings_store_fsync_seconds_bucket", ("le", "0.005")));
        Assert.Equal(2, recorded.Value("tidings_store_fsync_seconds_bucket", ("le", "10")));
        Assert.Equal(3, recorded.Value("tidings_store_fsync_seconds_bucket", ("le", "+Inf")));
        Assert.Equal(3, recorded.Value("tidings_store_fsync_seconds_count"));
        Assert.Equal(20.008, recorded.Value("tidings_store_fsync_seconds_sum")!.Value, precision: 9);
    }

    [Fact]
    public async Task Hundred_thousand_queues_are_exported_quickly_and_correctly()
    {
        const int queues = 100_000;
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        var vhost = server.Broker.DefaultVirtualHost;
        for (int i = 0; i < queues; i++) vhost.DeclareQueue($"queue-{i}");
        for (int i = 0; i < 7; i++) vhost.Publish("", "queue-54321", new MessageProperties(), "payload"u8.ToArray());
        using var client = server.Client(user: null);
        await client.GetStringAsync("/metrics/per-object"); // warm up the JIT

        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync("/metrics/per-object", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        long readySamples = 0;
        var sampled = new Dictionary<string, double>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("tidings_queue_messages_ready{", StringComparison.Ordinal)) readySamples++;
            if (line.Contains("queue=\"queue-54321\"", StringComparison.Ordinal))
            {
                var sample = PrometheusText.ParseSample(line);
                sampled.Add(sample.Name, sample.Value);
            }
        }
        watch.Stop();

        Assert.Equal(queues, readySamples);
        Assert.Equal(7, sampled["tidings_queue_messages_ready"]);
        Assert.Equal(7 * 7, sampled["tidings_queue_messages_ready_bytes"]);
        Assert.Equal(7, sampled["tidings_queue_messages_published_total"]);
        Assert.Equal(0, sampled["tidings_queue_consumers"]);
        Assert.Equal(8, sampled.Count);
        // A guard against a quadratic export (minutes), not a benchmark: a loaded CI machine took 9.6 s once.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }
}
