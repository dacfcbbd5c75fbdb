using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Tidings.Core;
using Tidings.Core.Exchanges;
using Tidings.Core.Messages;
using Tidings.Http.Common;
using Fields = System.Collections.Generic.Dictionary<string, object?>;

namespace Tidings.Http.Management;

/// <summary>/api/overview, /api/whoami, /api/nodes, /api/cluster-name and the legacy aliveness test.</summary>
internal static class OverviewEndpoints
{
    /// <summary>
    /// The RabbitMQ release whose management API this one follows; reported as rabbitmq_version
    /// because tools pick request shapes by it. product_name/product_version say what runs.
    /// </summary>
    public const string CompatibleRabbitMqVersion = "3.13.7";

    private static readonly (string Name, string Description)[] ExchangeTypeDescriptions =
    [
        (ExchangeTypes.Direct, "AMQP direct exchange, as per the AMQP specification"),
        (ExchangeTypes.Fanout, "AMQP fanout exchange, as per the AMQP specification"),
        (ExchangeTypes.Headers, "AMQP headers exchange, as per the AMQP specification"),
        (ExchangeTypes.Topic, "AMQP topic exchange, as per the AMQP specification"),
    ];

    public static void Register(ApiRouter router)
    {
        router.Get("overview", Access.Management, "Node and cluster overview: versions, listeners, totals, message rates", Overview);
        router.Get("whoami", Access.Management, "The authenticated user", WhoAmI);
        router.Get("cluster-name", Access.Management, "The cluster name", r => Json.Ok(new Fields { ["name"] = Formats.Node(r.Broker) }));
        router.Get("extensions", Access.Management, "Management UI extensions (none)", _ => Json.Ok(Array.Empty<object>()));
        router.Get("nodes", Access.Monitoring, "The nodes of the cluster (this one)", r => Json.Ok(new[] { Node(r) }));
        router.Get("nodes/{node}", Access.Monitoring, "One node", r => r["node"] == Formats.Node(r.Broker) ? Json.Ok(Node(r)) : HttpErrors.NotFound());
        router.Get("aliveness-test/{vhost}", Access.Management, "Declares aliveness-test, publishes and gets a message", Aliveness);
    }

    private static IResult Overview(ApiRequest request)
    {
        var broker = request.Broker;
        var vhosts = request.VisibleVhosts(fromPath: false).ToList();
        var queues = vhosts.SelectMany(v => v.Queues).ToList();
        var connections = broker.Connections.Where(request.CanSee).ToList();
        var sessions = connections.SelectMany(c => c.Sessions).ToList();
        string node = Formats.Node(broker);
        var listeners = Listeners.Of(request.Http);
        var memory = Memory(broker);
        var fields = new Fields(StringComparer.Ordinal)
        {
            ["management_version"] = Broker.Version,
            ["rates_mode"] = "basic",
            ["sample_retention_policies"] = new Fields
            {
                ["global"] = new[] { 600 },
                ["basic"] = new[] { 600 },
                ["detailed"] = new[] { 600 },
            },
            ["exchange_types"] = ExchangeTypeDescriptions.Select(t => new Fields
            {
                ["name"] = t.Name,
                ["description"] = t.Description,
                ["enabled"] = true,
            }).ToList(),
            ["product_version"] = Broker.Version,
            ["product_name"] = "Tidings",
            ["rabbitmq_version"] = CompatibleRabbitMqVersion,
            ["cluster_name"] = node,
            ["runtime_version"] = $".NET {Environment.Version}",
            ["disable_stats"] = false,
            ["enable_queue_totals"] = true,
            ["is_op_policy_updating_enabled"] = false,
            ["default_queue_type"] = "classic",
            ["node"] = node,
            ["listeners"] = listeners.Select(l => new Fields
            {
                ["node"] = node,
                ["protocol"] = l.Protocol,
                ["ip_address"] = l.Address,
                ["port"] = l.Port,
                ["socket_opts"] = new Fields(),
            }).ToList(),
            ["contexts"] = listeners.Where(l => l.Protocol is "http" or "https").Select(l => new Fields
            {
                ["node"] = node,
                ["description"] = "Tidings management API",
                ["path"] = "/",
                ["port"] = l.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }).ToList(),
            ["message_stats"] = Formats.MessageStats(vhosts.Select(v => v.Stats), request.Sampler),
            ["queue_totals"] = Formats.QueueTotals(queues, request.Sampler),
            ["object_totals"] = new Fields
            {
                ["channels"] = sessions.Count,
                ["connections"] = connections.Count,
                ["consumers"] = queues.Sum(q => q.ConsumerCount),
                ["exchanges"] = vhosts.Sum(v => v.Exchanges.Count),
                ["queues"] = queues.Count,
            },
            ["statistics_db_event_queue"] = 0,
            // Tidings additions: the node's memory and disk at a glance.
            ["mem_used"] = memory.Used,
            ["mem_limit"] = memory.Limit,
            ["mem_alarm"] = memory.Alarm,
            ["disk_free"] = DiskFree(broker),
            ["disk_free_alarm"] = broker.Alarms.Active.Contains("disk"),
        };
        return Json.Ok(fields);
    }

    private static IResult WhoAmI(ApiRequest request) => Json.Ok(new Fields
    {
        ["name"] = request.User.Name,
        ["tags"] = request.User.Tags.ToList(),
        ["is_internal_user"] = true,
    });

    private static (long Used, long Limit, bool Alarm) Memory(Broker broker) =>
        (GC.GetTotalMemory(forceFullCollection: false), broker.Options.MemoryHighWatermarkBytes,
         broker.Alarms.Active.Contains("memory"));

    /// <summary>Free bytes on the volume of the data directory (its nearest existing ancestor).</summary>
    private static long DiskFree(Broker broker)
    {
        try
        {
            var directory = new DirectoryInfo(Path.GetFullPath(broker.Options.DataDirectory));
            while (directory is { Exists: false }) directory = directory.Parent;
            return directory is null ? 0 : new DriveInfo(directory.FullName).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return 0;
        }
    }

    private static Fields Node(ApiRequest request)
    {
        var broker = request.Broker;
        var memory = Memory(broker);
        using var process = Process.GetCurrentProcess();
        return new Fields(StringComparer.Ordinal)
        {
            ["name"] = Formats.Node(broker),
            ["type"] = "disc",
            ["running"] = true,
            ["being_drained"] = false,
            ["mem_used"] = memory.Used,
            ["mem_limit"] = memory.Limit,
            ["mem_alarm"] = memory.Alarm,
            ["mem_calculation_strategy"] = "managed_heap",
            ["disk_free"] = DiskFree(broker),
            ["disk_free_limit"] = 0,
            ["disk_free_alarm"] = broker.Alarms.Active.Contains("disk"),
            ["uptime"] = (long)(DateTime.Now - process.StartTime).TotalMilliseconds,
            ["processors"] = Environment.ProcessorCount,
            ["os_pid"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["proc_used"] = process.Threads.Count,
            ["partitions"] = Array.Empty<string>(),
            ["rates_mode"] = "basic",
            ["run_queue"] = 0,
            ["net_ticktime"] = 60,
            ["exchange_types"] = ExchangeTypeDescriptions.Select(t => new Fields
            {
                ["name"] = t.Name,
                ["description"] = t.Description,
                ["enabled"] = true,
            }).ToList(),
        };
    }

    /// <summary>
    /// The legacy aliveness test as RabbitMQ 3.x ran it: declare "aliveness-test", publish a
    /// message to it and get it back.
    /// </summary>
    private static IResult Aliveness(ApiRequest request)
    {
        const string queue = "aliveness-test";
        var vhost = request.Vhost();
        using var connection = request.Connect(vhost);
        var session = connection.OpenSession(1);
        vhost.DeclareQueue(queue, caller: connection);
        var body = Encoding.UTF8.GetBytes("test_message");
        session.Publish("", queue, MessageProperties.Empty, body);
        var got = session.Get(queue, noAck: true);
        return got is not null && got.Message.Body.Span.SequenceEqual(body)
            ? Json.Ok(new Fields { ["status"] = "ok" })
            : Json.Reply(new Fields { ["status"] = "failed", ["reason"] = "the test message did not come back" },
                StatusCodes.Status503ServiceUnavailable);
    }
}
