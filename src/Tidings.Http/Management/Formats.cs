using System.Net;
using System.Security.Cryptography;
using System.Text;
using Tidings.Core;
using Tidings.Core.Exchanges;
using Tidings.Core.Queues;
using Tidings.Core.Security;
using Tidings.Core.Sessions;
using Tidings.Http.Common;
using Fields = System.Collections.Generic.Dictionary<string, object?>;

namespace Tidings.Http.Management;

/// <summary>
/// The JSON shapes of RabbitMQ's management objects (rabbit_mgmt_format and the *_info keys),
/// built from core objects. Field names are RabbitMQ's, in its order where tools print them.
/// </summary>
internal static class Formats
{
    // ---- statistics ----

    /// <summary>
    /// message_stats: each counter with activity and its {rate}; deliver_get sums deliveries and
    /// gets, as RabbitMQ's does. Counters never used are left out, as RabbitMQ leaves them out.
    /// </summary>
    public static Fields MessageStats(IEnumerable<MessageStats> all, StatsSampler sampler)
    {
        var list = all as IReadOnlyCollection<MessageStats> ?? [.. all];
        var result = new Fields(StringComparer.Ordinal);
        long deliverGet = 0;
        double deliverGetRate = 0;
        foreach (var stat in Core.MessageStats.All)
        {
            long count = 0;
            double rate = 0;
            foreach (var stats in list)
            {
                count += stats[stat];
                rate += sampler.RateOf(stats, stat);
            }
            if (stat is MessageStat.Deliver or MessageStat.DeliverNoAck or MessageStat.Get or MessageStat.GetNoAck)
            {
                deliverGet += count;
                deliverGetRate += rate;
            }
            if (count == 0) continue;
            string name = Core.MessageStats.NameOf(stat);
            result[name] = count;
            result[name + "_details"] = Json.Rate(rate);
        }
        if (deliverGet > 0)
        {
            result["deliver_get"] = deliverGet;
            result["deliver_get_details"] = Json.Rate(deliverGetRate);
        }
        return result;
    }

    public static Fields MessageStats(MessageStats stats, StatsSampler sampler) => MessageStats([stats], sampler);

    /// <summary>messages, messages_ready, messages_unacknowledged with their *_details.</summary>
    private static void AddLengths(Fields fields, long ready, long unacked, double readyRate, double unackedRate)
    {
        fields["messages"] = ready + unacked;
        fields["messages_details"] = Json.Rate(readyRate + unackedRate);
        fields["messages_ready"] = ready;
        fields["messages_ready_details"] = Json.Rate(readyRate);
        fields["messages_unacknowledged"] = unacked;
        fields["messages_unacknowledged_details"] = Json.Rate(unackedRate);
    }

    /// <summary>Totals of the queues given, for overview and vhosts.</summary>
    public static Fields QueueTotals(IEnumerable<IQueue> queues, StatsSampler sampler)
    {
        long ready = 0, unacked = 0;
        double readyRate = 0, unackedRate = 0;
        foreach (var queue in queues)
        {
            ready += queue.MessageCount;
            unacked += queue.UnackedCount;
            var (r, u) = sampler.LengthRatesOf(queue);
            readyRate += r;
            unackedRate += u;
        }
        var totals = new Fields(StringComparer.Ordinal);
        AddLengths(totals, ready, unacked, readyRate, unackedRate);
        return totals;
    }

    // ---- queues ----

    public static Fields Queue(IQueue queue, StatsSampler sampler, bool withConsumerDetails = false)
    {
        var vhost = queue.VirtualHost;
        int ready = queue.MessageCount, unacked = queue.UnackedCount;
        var consumers = queue.Consumers;
        var (readyRate, unackedRate) = sampler.LengthRatesOf(queue);
        var fields = new Fields(StringComparer.Ordinal)
        {
            ["name"] = queue.Name,
            ["vhost"] = vhost.Name,
            ["durable"] = queue.Durable,
            ["auto_delete"] = queue.AutoDelete,
            ["exclusive"] = queue.Exclusive,
            ["arguments"] = Json.FromTable(queue.Arguments),
            ["type"] = queue.Kind,
            ["node"] = Node(vhost.Broker),
            ["state"] = "running",
            ["policy"] = null,
            ["operator_policy"] = null,
            ["effective_policy_definition"] = new Fields(),
            ["consumers"] = consumers.Count,
            ["consumer_capacity"] = consumers.Count > 0 ? 1.0 : 0.0,
            ["consumer_utilisation"] = consumers.Count > 0 ? 1.0 : 0.0,
            ["exclusive_consumer_tag"] = consumers.FirstOrDefault(c => c.Exclusive)?.Tag,
            ["single_active_consumer_tag"] = queue.ActiveConsumer?.Tag,
            ["message_bytes"] = queue.MessageBytes,
            ["message_bytes_ready"] = queue.MessageBytes,
        };
        AddLengths(fields, ready, unacked, readyRate, unackedRate);
        fields["message_stats"] = MessageStats(queue.Stats, sampler);
        if (queue is StreamQueue stream)
        {
            // RabbitMQ's own stream keys (rabbit_stream_queue info items), then ours under "stream".
            var details = StreamEndpoints.Details(stream);
            fields["segments"] = details["segments"];
            fields["committed_offset"] = details["last_offset"];
            fields["stream"] = details;
        }
        if (queue.Exclusive && queue.Owner is { } owner)
            fields["owner_pid_details"] = ConnectionDetails(owner);
        if (withConsumerDetails)
            fields["consumer_details"] = consumers.Select(Consumer).ToList();
        return fields;
    }

    public static Listing<IQueue> QueueListing(StatsSampler sampler) => new()
    {
        Build = q => Queue(q, sampler),
        Name = q => q.Name,
        TextKeys = new(StringComparer.Ordinal)
        {
            ["name"] = q => q.Name,
            ["vhost"] = q => q.VirtualHost.Name,
            ["type"] = q => q.Kind,
            ["state"] = _ => "running",
        },
        Keys = new(StringComparer.Ordinal)
        {
            ["durable"] = q => q.Durable,
            ["auto_delete"] = q => q.AutoDelete,
            ["exclusive"] = q => q.Exclusive,
            ["messages"] = q => (long)q.MessageCount + q.UnackedCount,
            ["messages_ready"] = q => q.MessageCount,
            ["messages_unacknowledged"] = q => q.UnackedCount,
            ["consumers"] = q => q.ConsumerCount,
            ["message_bytes"] = q => q.MessageBytes,
        },
    };

    // ---- exchanges ----

    public static Fields Exchange(Exchange exchange, StatsSampler sampler) => new(StringComparer.Ordinal)
    {
        ["name"] = exchange.Name,
        ["vhost"] = exchange.VirtualHost.Name,
        ["type"] = exchange.Type,
        ["durable"] = exchange.Durable,
        ["auto_delete"] = exchange.AutoDelete,
        ["internal"] = exchange.Internal,
        ["arguments"] = Json.FromTable(exchange.Arguments),
        ["user_who_performed_action"] = exchange.IsPredeclared ? "rmq-internal" : "",
        ["policy"] = null,
        ["message_stats"] = MessageStats(exchange.Stats, sampler),
    };

    public static Listing<Exchange> ExchangeListing(StatsSampler sampler) => new()
    {
        Build = x => Exchange(x, sampler),
        Name = x => x.Name,
        TextKeys = new(StringComparer.Ordinal)
        {
            ["name"] = x => x.Name,
            ["vhost"] = x => x.VirtualHost.Name,
            ["type"] = x => x.Type,
        },
        Keys = new(StringComparer.Ordinal)
        {
            ["durable"] = x => x.Durable,
            ["auto_delete"] = x => x.AutoDelete,
            ["internal"] = x => x.Internal,
        },
    };

    // ---- bindings ----

    /// <summary>A binding as the API lists it; the default exchange's implicit bindings included.</summary>
    public sealed record BindingView(string Vhost, string Source, string Destination, string DestinationType,
        string RoutingKey, IReadOnlyDictionary<string, object?> Arguments)
    {
        public static BindingView Of(Binding binding) => new(binding.Source.VirtualHost.Name, binding.Source.Name,
            binding.Destination.Name, binding.Destination is IQueue ? "queue" : "exchange", binding.RoutingKey,
            binding.Arguments);

        /// <summary>The implicit binding of the default exchange to a queue, by the queue's name.</summary>
        public static BindingView Default(IQueue queue) => new(queue.VirtualHost.Name, "", queue.Name, "queue",
            queue.Name, Empty);

        public string PropertiesKey => Formats.PropertiesKey(RoutingKey, Arguments);
    }

    private static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>();

    /// <summary>Every binding of a vhost: implicit default-exchange ones first, as RabbitMQ lists them.</summary>
    public static IEnumerable<BindingView> Bindings(VirtualHost vhost) =>
        vhost.Queues.Select(BindingView.Default).Concat(vhost.Bindings.Select(BindingView.Of));

    public static Fields Binding(BindingView binding) => new(StringComparer.Ordinal)
    {
        ["source"] = binding.Source,
        ["vhost"] = binding.Vhost,
        ["destination"] = binding.Destination,
        ["destination_type"] = binding.DestinationType,
        ["routing_key"] = binding.RoutingKey,
        ["arguments"] = Json.FromTable(binding.Arguments),
        ["properties_key"] = binding.PropertiesKey,
    };

    public static Listing<BindingView> BindingListing { get; } = new()
    {
        Build = Binding,
        DefaultSort = ["vhost"],
        TextKeys = new(StringComparer.Ordinal)
        {
            ["vhost"] = b => b.Vhost,
            ["source"] = b => b.Source,
            ["destination"] = b => b.Destination,
            ["destination_type"] = b => b.DestinationType,
            ["routing_key"] = b => b.RoutingKey,
            ["properties_key"] = b => b.PropertiesKey,
        },
    };

    /// <summary>
    /// RabbitMQ's properties_key: the routing key URL-quoted (space as '+', '~' as %7E), then
    /// '~' and a hash of the arguments when there are any; "~" alone for an empty key without
    /// arguments. The hash is ours (RabbitMQ hashes Erlang terms), so keys differ from RabbitMQ's
    /// only for bindings with arguments; clients treat them as opaque.
    /// </summary>
    public static string PropertiesKey(string routingKey, IReadOnlyDictionary<string, object?> arguments)
    {
        if (routingKey.Length == 0 && arguments.Count == 0) return "~";
        string key = QuotePlus(routingKey);
        if (arguments.Count == 0) return key;
        return key + "~" + ArgumentsHash(arguments);
    }

    private static string QuotePlus(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(text))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') builder.Append(c);
            else if (c == ' ') builder.Append('+');
            else builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    private static string ArgumentsHash(IReadOnlyDictionary<string, object?> arguments)
    {
        // Keys sorted, values in their JSON form: the same arguments always hash the same.
        var canonical = System.Text.Json.JsonSerializer.Serialize(
            arguments.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new object?[] { kv.Key, Json.FromField(kv.Value) }),
            Json.Options);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(canonical));
        return Convert.ToBase64String(hash, 0, 4).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    // ---- connections, channels, consumers ----

    public static string Node(Broker broker) => broker.Options.NodeName;

    private static string HostOf(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip => (ip.Address.IsIPv4MappedToIPv6 ? ip.Address.MapToIPv4() : ip.Address).ToString(),
        null => "",
        _ => endPoint.ToString() ?? "",
    };

    private static int? PortOf(EndPoint? endPoint) => endPoint is IPEndPoint ip ? ip.Port : null;

    /// <summary>RabbitMQ's connection name: "peer_host:peer_port -> host:port".</summary>
    public static string ConnectionName(ClientConnection connection)
    {
        if (connection.RemoteEndPoint is null) return $"{connection.Protocol} connection {connection.Id}";
        var local = connection.Details.LocalEndPoint;
        return $"{HostOf(connection.RemoteEndPoint)}:{PortOf(connection.RemoteEndPoint)} -> " +
               (local is null ? Node(connection.Broker) : $"{HostOf(local)}:{PortOf(local)}");
    }

    /// <summary>{name, peer_port, peer_host}: connection_details and owner_pid_details.</summary>
    public static Fields ConnectionDetails(ClientConnection connection) => new(StringComparer.Ordinal)
    {
        ["name"] = ConnectionName(connection),
        ["peer_port"] = PortOf(connection.RemoteEndPoint),
        ["peer_host"] = HostOf(connection.RemoteEndPoint),
    };

    public static Fields Connection(ClientConnection connection, StatsSampler sampler)
    {
        var details = connection.Details;
        var (recvRate, sendRate) = sampler.TrafficRatesOf(connection);
        return new Fields(StringComparer.Ordinal)
        {
            ["name"] = ConnectionName(connection),
            ["node"] = Node(connection.Broker),
            ["vhost"] = connection.VirtualHost.Name,
            ["user"] = connection.User.Name,
            ["user_who_performed_action"] = connection.User.Name,
            ["state"] = details.Blocked ? "blocked" : "running",
            ["protocol"] = connection.Protocol,
            ["type"] = "network",
            ["host"] = HostOf(details.LocalEndPoint),
            ["port"] = PortOf(details.LocalEndPoint),
            ["peer_host"] = HostOf(connection.RemoteEndPoint),
            ["peer_port"] = PortOf(connection.RemoteEndPoint),
            ["ssl"] = false,
            ["peer_cert_subject"] = null,
            ["peer_cert_issuer"] = null,
            ["peer_cert_validity"] = null,
            ["ssl_protocol"] = null,
            ["ssl_key_exchange"] = null,
            ["ssl_cipher"] = null,
            ["ssl_hash"] = null,
            ["auth_mechanism"] = details.AuthMechanism,
            ["client_properties"] = Json.FromTable(connection.ClientProperties),
            ["connected_at"] = connection.ConnectedAt.ToUnixTimeMilliseconds(),
            ["channels"] = connection.Sessions.Count,
            ["channel_max"] = details.ChannelMax,
            ["frame_max"] = details.FrameMax,
            ["timeout"] = details.HeartbeatSeconds,
            ["recv_oct"] = connection.BytesReceived,
            ["recv_oct_details"] = Json.Rate(recvRate),
            ["send_oct"] = connection.BytesSent,
            ["send_oct_details"] = Json.Rate(sendRate),
        };
    }

    public static Listing<ClientConnection> ConnectionListing(StatsSampler sampler) => new()
    {
        Build = c => Connection(c, sampler),
        Name = ConnectionName,
        TextKeys = new(StringComparer.Ordinal)
        {
            ["name"] = ConnectionName,
            ["vhost"] = c => c.VirtualHost.Name,
            ["user"] = c => c.User.Name,
        },
        Keys = new(StringComparer.Ordinal)
        {
            ["connected_at"] = c => c.ConnectedAt.ToUnixTimeMilliseconds(),
            ["recv_oct"] = c => c.BytesReceived,
            ["send_oct"] = c => c.BytesSent,
        },
    };

    /// <summary>"&lt;connection name&gt; (&lt;channel number&gt;)".</summary>
    public static string ChannelName(Session session) => $"{ConnectionName(session.Connection)} ({session.Number})";

    public static Fields Channel(Session session, StatsSampler sampler)
    {
        var connection = session.Connection;
        return new Fields(StringComparer.Ordinal)
        {
            ["name"] = ChannelName(session),
            ["number"] = session.Number,
            ["node"] = Node(connection.Broker),
            ["user"] = connection.User.Name,
            ["user_who_performed_action"] = connection.User.Name,
            ["vhost"] = connection.VirtualHost.Name,
            ["connection_details"] = ConnectionDetails(connection),
            ["consumer_count"] = session.Consumers.Count,
            ["prefetch_count"] = session.ConsumerPrefetch,
            ["global_prefetch_count"] = session.SessionPrefetch,
            ["confirm"] = session.ConfirmMode,
            ["transactional"] = session.Transactional,
            ["messages_unacknowledged"] = session.UnackedCount,
            ["messages_unconfirmed"] = 0,
            ["messages_uncommitted"] = 0,
            ["acks_uncommitted"] = 0,
            ["state"] = session.IsFlowActive ? "running" : "flow",
            ["message_stats"] = MessageStats(session.Stats, sampler),
        };
    }

    public static Listing<Session> ChannelListing(StatsSampler sampler) => new()
    {
        Build = s => Channel(s, sampler),
        Name = ChannelName,
        TextKeys = new(StringComparer.Ordinal)
        {
            ["name"] = ChannelName,
            ["vhost"] = s => s.Connection.VirtualHost.Name,
            ["user"] = s => s.Connection.User.Name,
        },
        Keys = new(StringComparer.Ordinal)
        {
            ["number"] = s => s.Number,
            ["consumer_count"] = s => s.Consumers.Count,
            ["messages_unacknowledged"] = s => s.UnackedCount,
        },
    };

    public static Fields Consumer(Consumer consumer)
    {
        var session = consumer.Session;
        var connection = session.Connection;
        var queue = consumer.Queue;
        bool sac = queue.Settings.SingleActiveConsumer;
        bool active = consumer.IsActive && (!sac || queue.ActiveConsumer == consumer);
        return new Fields(StringComparer.Ordinal)
        {
            ["consumer_tag"] = consumer.Tag,
            ["queue"] = new Fields { ["name"] = queue.Name, ["vhost"] = queue.VirtualHost.Name },
            ["channel_details"] = new Fields(StringComparer.Ordinal)
            {
                ["name"] = ChannelName(session),
                ["number"] = session.Number,
                ["connection_name"] = ConnectionName(connection),
                ["peer_host"] = HostOf(connection.RemoteEndPoint),
                ["peer_port"] = PortOf(connection.RemoteEndPoint),
                ["user"] = connection.User.Name,
                ["node"] = Node(connection.Broker),
            },
            ["ack_required"] = !consumer.NoAck,
            ["prefetch_count"] = consumer.PrefetchCount,
            ["exclusive"] = consumer.Exclusive,
            ["arguments"] = Json.FromTable(consumer.Arguments),
            ["active"] = active,
            ["activity_status"] = sac ? (active ? "single_active" : "waiting") : "up",
            ["consumer_timeout"] = null,
        };
    }

    public static Listing<Consumer> ConsumerListing { get; } = new()
    {
        Build = Consumer,
        Name = c => c.Tag,
        DefaultSort = [],
        TextKeys = new(StringComparer.Ordinal)
        {
            ["consumer_tag"] = c => c.Tag,
            ["vhost"] = c => c.Queue.VirtualHost.Name,
            ["queue.name"] = c => c.Queue.Name,
        },
        Keys = new(StringComparer.Ordinal)
        {
            ["prefetch_count"] = c => (int)c.PrefetchCount,
        },
    };

    // ---- vhosts, users, permissions ----

    public static Fields Vhost(VirtualHost vhost, StatsSampler sampler)
    {
        var fields = new Fields(StringComparer.Ordinal)
        {
            ["name"] = vhost.Name,
            ["description"] = vhost.Description,
            ["tags"] = vhost.Tags.ToList(),
            ["default_queue_type"] = "classic",
            ["metadata"] = new Fields(StringComparer.Ordinal)
            {
                ["description"] = vhost.Description,
                ["tags"] = vhost.Tags.ToList(),
                ["default_queue_type"] = "classic",
            },
            ["tracing"] = false,
            ["cluster_state"] = new Fields { [Node(vhost.Broker)] = "running" },
        };
        foreach (var (key, value) in QueueTotals(vhost.Queues, sampler)) fields[key] = value;
        fields["message_stats"] = MessageStats(vhost.Stats, sampler);
        return fields;
    }

    public static Listing<VirtualHost> VhostListing(StatsSampler sampler) => new()
    {
        Build = v => Vhost(v, sampler),
        Name = v => v.Name,
        DefaultSort = ["name"],
        TextKeys = new(StringComparer.Ordinal) { ["name"] = v => v.Name, ["description"] = v => v.Description },
    };

    public static Fields User(User user) => new(StringComparer.Ordinal)
    {
        ["name"] = user.Name,
        ["password_hash"] = user.PasswordHash,
        ["hashing_algorithm"] = Core.Security.User.HashingAlgorithm,
        ["tags"] = user.Tags.ToList(),
        ["limits"] = new Fields(),
    };

    public static Listing<User> UserListing { get; } = new()
    {
        Build = User,
        Name = u => u.Name,
        DefaultSort = ["name"],
        TextKeys = new(StringComparer.Ordinal) { ["name"] = u => u.Name },
    };

    /// <summary>A user's permissions in one vhost.</summary>
    public sealed record PermissionView(string User, string Vhost, VhostPermissions Permissions);

    public static IEnumerable<PermissionView> Permissions(IEnumerable<User> users) =>
        users.SelectMany(u => u.AllPermissions.Select(p => new PermissionView(u.Name, p.Key, p.Value)));

    public static Fields Permission(PermissionView view) => new(StringComparer.Ordinal)
    {
        ["user"] = view.User,
        ["vhost"] = view.Vhost,
        ["configure"] = view.Permissions.Configure,
        ["write"] = view.Permissions.Write,
        ["read"] = view.Permissions.Read,
    };

    public static Listing<PermissionView> PermissionListing { get; } = new()
    {
        Build = Permission,
        Name = p => p.User,
        DefaultSort = ["vhost", "user"],
        TextKeys = new(StringComparer.Ordinal) { ["vhost"] = p => p.Vhost, ["user"] = p => p.User },
    };
}
