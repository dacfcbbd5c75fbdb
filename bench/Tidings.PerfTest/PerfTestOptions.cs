using System.Globalization;

namespace Tidings.PerfTest;

/// <summary>The exchange a run publishes to.</summary>
public enum PerfExchangeType
{
    /// <summary>The default exchange "", routing key = queue name.</summary>
    Direct,

    /// <summary>A fanout exchange "&lt;queue&gt;-fanout" bound to every queue.</summary>
    Fanout,
}

/// <summary>The kind of queue a run declares (x-queue-type).</summary>
public enum PerfQueueType
{
    /// <summary>A classic queue: no x-queue-type argument.</summary>
    Classic,

    /// <summary>x-queue-type=stream: always durable, read with x-stream-offset, never emptied by reads.</summary>
    Stream,
}

/// <summary>Everything a run is configured with; <see cref="Parse"/> reads it from the command line.</summary>
public sealed class PerfTestOptions
{
    public const int MinimumSize = 16;

    public string Uri { get; set; } = "amqp://guest:guest@127.0.0.1:5672/";
    public int Producers { get; set; } = 1;
    public int Consumers { get; set; } = 1;
    public string Queue { get; set; } = "perf-q";
    public int Queues { get; set; } = 1;
    public PerfExchangeType ExchangeType { get; set; } = PerfExchangeType.Direct;
    public PerfQueueType QueueType { get; set; } = PerfQueueType.Classic;

    /// <summary>True for --client raw: hand-encoded frames instead of RabbitMQ.Client for the traffic.</summary>
    public bool RawClient { get; set; }

    /// <summary>x-stream-offset per consumer: consumer i takes entry i mod count; empty = no argument (the broker's "next").</summary>
    public IReadOnlyList<object> StreamOffsets { get; set; } = [];
    public int Size { get; set; } = 128;
    public int Rate { get; set; }
    public int Confirm { get; set; }
    public bool Persistent { get; set; }
    public bool Durable { get; set; }
    public ushort Prefetch { get; set; } = 1000;
    public int MultiAck { get; set; } = 100;
    public bool AutoAck { get; set; }
    public double TimeSeconds { get; set; } = 10;
    public long PMessages { get; set; }
    public long CMessages { get; set; }
    public int IdleConnections { get; set; }
    public string? Label { get; set; }
    public bool JsonOnly { get; set; }
    public bool Help { get; set; }

    /// <summary>The queue names of the run: the base name, or name-1..name-N.</summary>
    public IReadOnlyList<string> QueueNames =>
        Queues == 1 ? [Queue] : [.. Enumerable.Range(1, Queues).Select(i => $"{Queue}-{i}")];

    public string FanoutExchangeName => Queue + "-fanout";

    public bool IsStream => QueueType == PerfQueueType.Stream;

    /// <summary>Queues are durable when asked, and streams always (a stream cannot be declared otherwise).</summary>
    public bool DeclareDurable => Durable || IsStream;

    /// <summary>The x-stream-offset argument of consumer <paramref name="index"/>, or null for none.</summary>
    public object? StreamOffsetFor(int index) => StreamOffsets.Count == 0 ? null : StreamOffsets[index % StreamOffsets.Count];

    public const string Usage = """
        usage: tidings-perftest [options]
          --uri <amqp uri>          default amqp://guest:guest@127.0.0.1:5672/
          --producers <n>           default 1 (0: consume-only run)
          --consumers <n>           default 1 (0: publish-only run)
          --queue <name>            default perf-q; with --queues N>1 the queues are <name>-1..<name>-N
          --queues <n>              default 1
          --exchange-type <direct|fanout>
                                    direct (default): default exchange, routing key = queue name, producers
                                    round-robin across the queues. fanout: exchange "<queue>-fanout" bound to
                                    every queue. Consumer i consumes from queue (i mod queues).
          --queue-type <classic|stream>
                                    classic (default), or stream: declared durable with x-queue-type=stream;
                                    consumers check each delivery's x-stream-offset header (in order, none missing)
          --stream-offset <list>    x-stream-offset consumer argument, comma-separated, consumer i takes entry
                                    i mod count: first | last | next | <offset> | <interval e.g. 1h, 30m> |
                                    @<unix seconds> (an AMQP timestamp); default: none (the broker's "next")
          --client <rabbitmq|raw>   rabbitmq (default): RabbitMQ.Client. raw: hand-encoded AMQP frames on plain
                                    sockets for producers and consumers (a fraction of the client's CPU per
                                    message); topology still declared with RabbitMQ.Client; no --rate, --autoack
                                    or latency histogram
          --size <bytes>            default 128, minimum 16
          --rate <msg/s>            per producer; 0 (default) = as fast as possible
          --confirm <n>             0 (default) = no publisher confirms; n>0 = at most n unconfirmed per producer
          --persistent              delivery mode 2
          --durable                 queues (and exchange) durable; otherwise non-durable, non-auto-delete
          --prefetch <n>            basic.qos per consumer channel, default 1000
          --multi-ack <n>           ack with multiple=true every n deliveries, default 100
          --autoack                 consume with no-ack
          --time <seconds>          run length, default 10; the run ends earlier once every producer reached
                                    --pmessages and every consumer reached --cmessages (the limits given; with
                                    only --pmessages, once producers are done and consumers have gone quiet)
          --pmessages <n>           each producer stops after n messages (with confirms: after n are confirmed)
          --cmessages <n>           each consumer stops after n messages
          --idle-connections <n>    open n connections with one channel each, print `ready connections=<n>`,
                                    hold them for --time seconds, close them
          --label <text>            copied into the JSON line
          --json-only               only the JSON line
          --help                    this text
        exit codes: 0 ok, 1 bad arguments, 2 connection or channel failure, 3 publish nacked
        """;

    /// <summary>Reads the command line; throws <see cref="PerfTestUsageException"/> on a bad argument.</summary>
    public static PerfTestOptions Parse(IReadOnlyList<string> args)
    {
        var o = new PerfTestOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string flag = args[i];
            switch (flag)
            {
                case "--uri": o.Uri = Value(args, ref i); break;
                case "--producers": o.Producers = Int(args, ref i, min: 0); break;
                case "--consumers": o.Consumers = Int(args, ref i, min: 0); break;
                case "--queue": o.Queue = Value(args, ref i); break;
                case "--queues": o.Queues = Int(args, ref i, min: 1); break;
                case "--exchange-type":
                    o.ExchangeType = Value(args, ref i) switch
                    {
                        "direct" => PerfExchangeType.Direct,
                        "fanout" => PerfExchangeType.Fanout,
                        var other => throw new PerfTestUsageException($"--exchange-type must be direct or fanout, not '{other}'"),
                    };
                    break;
                case "--queue-type":
                    o.QueueType = Value(args, ref i) switch
                    {
                        "classic" => PerfQueueType.Classic,
                        "stream" => PerfQueueType.Stream,
                        var other => throw new PerfTestUsageException($"--queue-type must be classic or stream, not '{other}'"),
                    };
                    break;
                case "--client":
                    o.RawClient = Value(args, ref i) switch
                    {
                        "rabbitmq" => false,
                        "raw" => true,
                        var other => throw new PerfTestUsageException($"--client must be rabbitmq or raw, not '{other}'"),
                    };
                    break;
                case "--stream-offset": o.StreamOffsets = StreamOffsetList(Value(args, ref i)); break;
                case "--size": o.Size = Int(args, ref i, min: MinimumSize); break;
                case "--rate": o.Rate = Int(args, ref i, min: 0); break;
                case "--confirm": o.Confirm = Int(args, ref i, min: 0); break;
                case "--persistent": o.Persistent = true; break;
                case "--durable": o.Durable = true; break;
                case "--prefetch": o.Prefetch = (ushort)Int(args, ref i, min: 0, max: ushort.MaxValue); break;
                case "--multi-ack": o.MultiAck = Int(args, ref i, min: 1); break;
                case "--autoack": o.AutoAck = true; break;
                case "--time": o.TimeSeconds = Double(args, ref i); break;
                case "--pmessages": o.PMessages = Long(args, ref i); break;
                case "--cmessages": o.CMessages = Long(args, ref i); break;
                case "--idle-connections": o.IdleConnections = Int(args, ref i, min: 0); break;
                case "--label": o.Label = Value(args, ref i); break;
                case "--json-only": o.JsonOnly = true; break;
                case "--help" or "-h": o.Help = true; break;
                default: throw new PerfTestUsageException($"unknown argument '{flag}'");
            }
        }
        if (o.RawClient && (o.Rate > 0 || o.AutoAck || o.IdleConnections > 0))
        {
            throw new PerfTestUsageException("--client raw does not do --rate, --autoack or --idle-connections");
        }
        if (!System.Uri.TryCreate(o.Uri, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
        {
            throw new PerfTestUsageException($"--uri must be an amqp:// or amqps:// URI, not '{o.Uri}'");
        }
        return o;
    }

    // Each entry as RabbitMQ.Client will encode it: a string (first/last/next/interval), a long
    // (an offset, AMQP long-long) or an AmqpTimestamp.
    private static List<object> StreamOffsetList(string text)
    {
        var offsets = new List<object>();
        foreach (string entry in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (entry is "first" or "last" or "next")
            {
                offsets.Add(entry);
            }
            else if (long.TryParse(entry, NumberStyles.None, CultureInfo.InvariantCulture, out long offset))
            {
                offsets.Add(offset);
            }
            else if (entry.StartsWith('@') && long.TryParse(entry.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out long unix))
            {
                offsets.Add(new RabbitMQ.Client.AmqpTimestamp(unix));
            }
            else if (entry.Length >= 2 && "YMDhms".Contains(entry[^1], StringComparison.Ordinal)
                     && long.TryParse(entry.AsSpan(0, entry.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                offsets.Add(entry);
            }
            else
            {
                throw new PerfTestUsageException($"--stream-offset: '{entry}' is not first, last, next, an offset, an interval (1h) or @<unix seconds>");
            }
        }
        return offsets;
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count)
        {
            throw new PerfTestUsageException($"{args[i]} needs a value");
        }
        return args[++i];
    }

    private static int Int(IReadOnlyList<string> args, ref int i, int min, int max = int.MaxValue)
    {
        string flag = args[i];
        string text = Value(args, ref i);
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
        {
            throw new PerfTestUsageException($"{flag} needs an integer, not '{text}'");
        }
        if (value < min || value > max)
        {
            throw new PerfTestUsageException(max == int.MaxValue
                ? $"{flag} must be at least {min}, not {value}"
                : $"{flag} must be between {min} and {max}, not {value}");
        }
        return value;
    }

    private static long Long(IReadOnlyList<string> args, ref int i)
    {
        string flag = args[i];
        string text = Value(args, ref i);
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) || value < 0)
        {
            throw new PerfTestUsageException($"{flag} needs a non-negative integer, not '{text}'");
        }
        return value;
    }

    private static double Double(IReadOnlyList<string> args, ref int i)
    {
        string flag = args[i];
        string text = Value(args, ref i);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || value <= 0 || double.IsInfinity(value))
        {
            throw new PerfTestUsageException($"{flag} needs a positive number of seconds, not '{text}'");
        }
        return value;
    }
}
