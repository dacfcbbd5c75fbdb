using Tidings.Core;
using Tidings.Core.Queues;
using Tidings.Core.Sessions;

namespace Tidings.Http.Metrics;

/// <summary>
/// What GET /metrics and /metrics/per-object report: the broker's state as Prometheus metrics
/// named in the spirit of RabbitMQ's rabbitmq_prometheus plugin, prefixed <c>tidings_</c>.
/// Counters are exposed as they are; rates are Prometheus's job (<c>rate(...)</c>).
/// </summary>
internal static class BrokerMetrics
{
    /// <summary>One per-queue metric family and how to read it from a queue.</summary>
    private sealed record QueueFamily(string Name, string Type, string Help, Func<IQueue, long> Read);

    /// <summary>One per-stream metric family, how to read it from a stream, and whether a sum over streams means anything.</summary>
    private sealed record StreamFamily(string Name, string Type, string Help, Func<StreamQueue, long> Read, bool Summable = true);

    /// <summary>One per-vhost message counter and how to read it from the vhost's stats.</summary>
    private sealed record VhostCounter(string Name, string Help, Func<MessageStats, long> Read);

    private static readonly QueueFamily[] QueueFamilies =
    [
        new("tidings_queue_messages_ready", "gauge", "Messages ready to be delivered to consumers.", static q => q.MessageCount),
        new("tidings_queue_messages_unacked", "gauge", "Messages delivered to consumers and not yet acknowledged.", static q => q.UnackedCount),
        new("tidings_queue_messages_ready_bytes", "gauge", "Bytes of the bodies of ready messages.", static q => q.MessageBytes),
        new("tidings_queue_consumers", "gauge", "Consumers on the queue.", static q => q.ConsumerCount),
        new("tidings_queue_messages_published_total", "counter", "Messages the queue accepted.",
            static q => q.Stats[MessageStat.Publish]),
        new("tidings_queue_messages_delivered_total", "counter",
            "Messages delivered to consumers or fetched with basic.get, with or without acknowledgement.",
            static q => q.Stats.DeliverGet),
        new("tidings_queue_messages_acknowledged_total", "counter", "Deliveries consumers acknowledged.",
            static q => q.Stats[MessageStat.Ack]),
        new("tidings_queue_messages_redelivered_total", "counter", "Deliveries of messages that had been delivered before.",
            static q => q.Stats[MessageStat.Redeliver]),
    ];

    /// <summary>
    /// The per-stream families, labelled vhost and stream; a stream also has the per-queue ones.
    /// Reads are deliveries to consumers plus messages read through stored positions.
    /// </summary>
    private static readonly StreamFamily[] StreamFamilies =
    [
        new("tidings_stream_messages_appended_total", "counter", "Messages appended to the stream.",
            static s => s.Stats[MessageStat.Publish]),
        new("tidings_stream_messages_read_total", "counter",
            "Messages read from the stream: deliveries to consumers and reads through stored positions.",
            static s => s.Stats.DeliverGet),
        new("tidings_stream_size_bytes", "gauge", "Bytes the stream's log takes.", static s => s.SizeBytes),
        new("tidings_stream_segments", "gauge", "Segments of the stream's log.", static s => s.SegmentCount),
        new("tidings_stream_first_offset", "gauge", "The oldest offset the stream keeps.", static s => s.FirstOffset,
            Summable: false),
        new("tidings_stream_next_offset", "gauge", "The offset the stream's next message gets.", static s => s.NextOffset,
            Summable: false),
    ];

    private const string StreamLag = "tidings_stream_consumer_lag";
    private const string StreamLagHelp =
        "Messages a stored consumer position has not read yet (labelled consumer: the position's name).";

    private static readonly VhostCounter[] VhostCounters =
    [
        new("tidings_vhost_messages_published_total", "Messages published into the virtual host, before routing.",
            static s => s[MessageStat.Publish]),
        new("tidings_vhost_messages_confirmed_total", "Messages confirmed to publishers.", static s => s[MessageStat.Confirm]),
        new("tidings_vhost_messages_unroutable_returned_total", "Mandatory messages returned to publishers as unroutable.",
            static s => s[MessageStat.ReturnUnroutable]),
        new("tidings_vhost_messages_unroutable_dropped_total", "Messages dropped as unroutable.",
            static s => s[MessageStat.DropUnroutable]),
        new("tidings_vhost_messages_delivered_total",
            "Messages delivered to consumers or fetched with basic.get, with or without acknowledgement.",
            static s => s.DeliverGet),
        new("tidings_vhost_messages_delivered_consume_manual_ack_total", "Messages delivered to consumers that acknowledge.",
            static s => s[MessageStat.Deliver]),
        new("tidings_vhost_messages_delivered_consume_auto_ack_total", "Messages delivered to consumers in no-ack mode.",
            static s => s[MessageStat.DeliverNoAck]),
        new("tidings_vhost_messages_delivered_get_manual_ack_total", "Messages fetched with basic.get to be acknowledged.",
            static s => s[MessageStat.Get]),
        new("tidings_vhost_messages_delivered_get_auto_ack_total", "Messages fetched with basic.get in no-ack mode.",
            static s => s[MessageStat.GetNoAck]),
        new("tidings_vhost_messages_redelivered_total", "Deliveries of messages that had been delivered before.",
            static s => s[MessageStat.Redeliver]),
        new("tidings_vhost_messages_acknowledged_total", "Deliveries consumers acknowledged.", static s => s[MessageStat.Ack]),
    ];

    /// <summary>The resources that can raise an alarm; each always gets a sample, 0 or 1.</summary>
    private static readonly string[] AlarmResources = ["memory", "disk"];

    /// <summary>
    /// Writes every metric. With <paramref name="perObject"/> the per-vhost and per-queue families
    /// carry one sample per object, labelled with its names; without, one unlabelled sample each,
    /// the total over all objects (RabbitMQ's aggregated mode), so no name leaves the broker.
    /// Returns early when the client goes away.
    /// </summary>
    public static async Task WriteAsync(Broker broker, PrometheusTextWriter writer, bool perObject, CancellationToken cancellationToken)
    {
        VirtualHost[] vhosts = [.. broker.VirtualHosts];
        // One snapshot per vhost, taken once, so every per-queue family lists the same queues.
        var queues = new IReadOnlyCollection<IQueue>[vhosts.Length];
        for (int i = 0; i < vhosts.Length; i++) queues[i] = vhosts[i].Queues;

        WriteGlobals(broker, vhosts, queues, writer);
        WriteHistogram(writer, "tidings_store_fsync_seconds",
            "Duration of the durable store's fsyncs (no observations until the durable store exists).",
            broker.StoreFsyncLatency);
        if (!await writer.FlushAsync(cancellationToken).ConfigureAwait(false)) return;

        if (perObject) await WritePerObjectAsync(vhosts, queues, writer, cancellationToken).ConfigureAwait(false);
        else WriteAggregated(vhosts, queues, writer);
        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task WritePerObjectAsync(VirtualHost[] vhosts, IReadOnlyCollection<IQueue>[] queues,
        PrometheusTextWriter writer, CancellationToken cancellationToken)
    {
        foreach (var counter in VhostCounters)
        {
            writer.Family(counter.Name, "counter", counter.Help);
            foreach (var vhost in vhosts) writer.Sample(counter.Name, "vhost", vhost.Name, counter.Read(vhost.Stats));
        }

        foreach (var family in QueueFamilies)
        {
            writer.Family(family.Name, family.Type, family.Help);
            for (int v = 0; v < vhosts.Length; v++)
            {
                string vhostName = vhosts[v].Name;
                foreach (var queue in queues[v])
                {
                    writer.Sample(family.Name, "vhost", vhostName, "queue", queue.Name, family.Read(queue));
                    if (!await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false)) return;
                }
            }
        }

        foreach (var family in StreamFamilies)
        {
            writer.Family(family.Name, family.Type, family.Help);
            for (int v = 0; v < vhosts.Length; v++)
            {
                string vhostName = vhosts[v].Name;
                foreach (var queue in queues[v])
                {
                    if (queue is not StreamQueue stream) continue;
                    writer.Sample(family.Name, "vhost", vhostName, "stream", stream.Name, family.Read(stream));
                    if (!await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false)) return;
                }
            }
        }

        writer.Family(StreamLag, "gauge", StreamLagHelp);
        for (int v = 0; v < vhosts.Length; v++)
        {
            string vhostName = vhosts[v].Name;
            foreach (var queue in queues[v])
            {
                if (queue is not StreamQueue stream) continue;
                long first = stream.FirstOffset, next = stream.NextOffset;
                foreach (var (name, offset) in stream.Positions)
                {
                    writer.Sample(StreamLag, "vhost", vhostName, "stream", stream.Name, "consumer", name, StreamQueue.LagBehind(offset, first, next));
                    if (!await writer.FlushIfFullAsync(cancellationToken).ConfigureAwait(false)) return;
                }
            }
        }
    }

    /// <summary>
    /// One sample per family, summed over every vhost or queue. A summed counter drops when a queue
    /// is deleted; Prometheus's rate() reads the drop as a counter reset, as it does for RabbitMQ's
    /// aggregated counters. The output is a few dozen lines whatever the number of queues, so it
    /// needs no intermediate flush.
    /// </summary>
    private static void WriteAggregated(VirtualHost[] vhosts, IReadOnlyCollection<IQueue>[] queues, PrometheusTextWriter writer)
    {
        foreach (var counter in VhostCounters)
        {
            long total = 0;
            foreach (var vhost in vhosts) total += counter.Read(vhost.Stats);
            writer.Family(counter.Name, "counter", counter.Help);
            writer.Sample(counter.Name, total);
        }

        foreach (var family in QueueFamilies)
        {
            long total = 0;
            foreach (var vhostQueues in queues)
                foreach (var queue in vhostQueues) total += family.Read(queue);
            writer.Family(family.Name, family.Type, family.Help);
            writer.Sample(family.Name, total);
        }

        // Summed offsets mean nothing, so the aggregated mode has the streams' sizes, counters and total lag only.
        long lag = 0;
        var streamTotals = new long[StreamFamilies.Length];
        foreach (var vhostQueues in queues)
        {
            foreach (var queue in vhostQueues)
            {
                if (queue is not StreamQueue stream) continue;
                for (int i = 0; i < StreamFamilies.Length; i++) streamTotals[i] += StreamFamilies[i].Read(stream);
                long first = stream.FirstOffset, next = stream.NextOffset;
                foreach (var (_, offset) in stream.Positions) lag += StreamQueue.LagBehind(offset, first, next);
            }
        }
        for (int i = 0; i < StreamFamilies.Length; i++)
        {
            var family = StreamFamilies[i];
            if (!family.Summable) continue;
            writer.Family(family.Name, family.Type, family.Help);
            writer.Sample(family.Name, streamTotals[i]);
        }
        writer.Family(StreamLag, "gauge", StreamLagHelp);
        writer.Sample(StreamLag, lag);
    }

    private static void WriteGlobals(Broker broker, VirtualHost[] vhosts, IReadOnlyCollection<IQueue>[] queues,
        PrometheusTextWriter writer)
    {
        writer.Family("tidings_build_info", "gauge", "Always 1; the labels name the version and the node.");
        writer.Sample("tidings_build_info", "version", Broker.Version, "node", broker.Options.NodeName, 1);

        var connections = broker.Connections;
        long channels = 0;
        foreach (var connection in connections) channels += connection.Sessions.Count;
        long queueCount = 0, consumers = 0, exchanges = 0;
        for (int v = 0; v < vhosts.Length; v++)
        {
            queueCount += queues[v].Count;
            exchanges += vhosts[v].Exchanges.Count;
            foreach (var queue in queues[v]) consumers += queue.ConsumerCount;
        }
        Gauge(writer, "tidings_connections", "Open client connections (every protocol).", connections.Count);
        WriteConnectionsByProtocol(connections, writer);
        Gauge(writer, "tidings_channels", "Open channels (sessions) of all connections.", channels);
        Gauge(writer, "tidings_consumers", "Consumers on all queues.", consumers);
        Gauge(writer, "tidings_queues", "Queues in all virtual hosts.", queueCount);
        Gauge(writer, "tidings_exchanges", "Exchanges in all virtual hosts, including the predeclared ones.", exchanges);
        Gauge(writer, "tidings_virtual_hosts", "Virtual hosts.", vhosts.Length);
        long detached = 0;
        foreach (var vhost in vhosts) detached += vhost.DetachedSessions.Count;
        Gauge(writer, "tidings_detached_sessions",
            "Sessions kept for a client that went away until it comes back or they expire (MQTT persistent sessions).", detached);

        Gauge(writer, "tidings_process_resident_memory_bytes", "Working set (resident memory) of the broker process, which the memory alarm watches.",
            Environment.WorkingSet);
        Gauge(writer, "tidings_managed_heap_bytes", "Bytes allocated on the managed heap (part of the resident memory).",
            GC.GetTotalMemory(forceFullCollection: false));
        Gauge(writer, "tidings_memory_limit_bytes", "Resident memory above which the memory alarm blocks publishers; 0 = no limit.",
            broker.Options.MemoryHighWatermarkBytes);

        const string disk = "tidings_disk_free_bytes";
        writer.Family(disk, "gauge", "Free bytes, available to the broker, on the drive of the data directory.");
        if (DiskFreeBytes(broker.Options.DataDirectory) is { } free) writer.Sample(disk, free);

        var active = broker.Alarms.Active;
        writer.Family("tidings_alarm", "gauge", "1 while the resource alarm is on (publishers are blocked), else 0.");
        foreach (var resource in AlarmResources)
            writer.Sample("tidings_alarm", "resource", resource, active.Contains(resource) ? 1 : 0);

        // Before the fault count, so a registered reader that throws is counted in this scrape.
        WriteRegistered(broker, writer);

        writer.Family("tidings_faults_contained_total", "counter",
            "Faults of the broker's own code caught at an entry point (timer, loop, delivery) and contained; each is in the log.");
        writer.Sample("tidings_faults_contained_total", broker.Faults.Count);
    }

    /// <summary>
    /// Open connections by the protocol they name (as /api/connections shows it: "AMQP 0-9-1",
    /// "MQTT 3.1.1", "MQTT 5.0"), a family of its own so <c>sum(tidings_connections)</c> still
    /// counts each connection once. Only protocols with an open connection have a sample.
    /// </summary>
    private static void WriteConnectionsByProtocol(IReadOnlyCollection<ClientConnection> connections, PrometheusTextWriter writer)
    {
        const string name = "tidings_connections_by_protocol";
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var connection in connections)
            counts[connection.Protocol] = counts.GetValueOrDefault(connection.Protocol) + 1;
        writer.Family(name, "gauge", "Open client connections by protocol and version.");
        foreach (var (protocol, count) in counts) writer.Sample(name, "protocol", protocol, count);
    }

    /// <summary>
    /// The counters and gauges protocol adapters registered on the broker. A reader that throws is
    /// a contained fault: its family has no sample and the rest of the scrape goes on.
    /// </summary>
    private static void WriteRegistered(Broker broker, PrometheusTextWriter writer)
    {
        foreach (var metric in broker.Metrics.All)
        {
            long value = 0;
            bool read = broker.Faults.Guard($"metric {metric.Name}", metric, m => value = m.Read());
            writer.Family(metric.Name, metric.Type, metric.Help);
            if (read) writer.Sample(metric.Name, value);
        }
    }

    private static void Gauge(PrometheusTextWriter writer, string name, string help, long value)
    {
        writer.Family(name, "gauge", help);
        writer.Sample(name, value);
    }

    private static void WriteHistogram(PrometheusTextWriter writer, string name, string help, LatencyHistogram histogram)
    {
        var bounds = histogram.UpperBounds;
        Span<long> counts = stackalloc long[bounds.Count + 1];
        long total = histogram.CopyBucketCounts(counts);
        writer.Family(name, "histogram", help);
        long cumulative = 0;
        for (int i = 0; i < bounds.Count; i++)
        {
            cumulative += counts[i];
            writer.Bucket(name, bounds[i].TotalSeconds, cumulative);
        }
        // +Inf and _count come from the same copy, so they agree even while fsyncs are recorded.
        writer.Bucket(name, null, total);
        writer.Sample(name + "_sum", histogram.Sum.TotalSeconds);
        writer.Sample(name + "_count", total);
    }

    /// <summary>Free space of the drive (mount) holding <paramref name="directory"/>; null when it cannot be read.</summary>
    private static long? DiskFreeBytes(string directory)
    {
        try
        {
            // A data directory not created yet (or removed) lives on the drive of its nearest existing parent.
            string? existing = Path.GetFullPath(directory);
            while (existing is not null && !Directory.Exists(existing)) existing = Path.GetDirectoryName(existing);
            if (existing is null) return null;
            // Unix resolves any existing path to its mount (statvfs); Windows wants the drive root.
            var drive = new DriveInfo(OperatingSystem.IsWindows() ? Path.GetPathRoot(existing) ?? existing : existing);
            return drive.AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }
}
