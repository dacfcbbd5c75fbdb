using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tidings.LogQueueBench;

/// <summary>
/// `tidings-logqueuebench`: st4 of bench/stream-compare.sh. Creates a topic, then --clients kept-alive
/// connections, each registered as its own producer, POST /producer/produce for --warmup + --time
/// seconds (only the last --time counted); then each registers a consumer and sends
/// GET /consumer/consume (JSON body) for --warmup + --time seconds. Prints one JSON line.
/// </summary>
public static class LogQueueBenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"tidings-logqueuebench: {ex.Message}");
            return 1;
        }
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(3 * (options.Warmup + options.Time) + 60));
        Result result = await RunAsync(options, cancel.Token);
        if (result.Error is not null)
        {
            await Console.Error.WriteLineAsync($"tidings-logqueuebench: {result.Error}");
        }
        await Console.Out.WriteLineAsync(result.ToJson());
        return result.Error is null ? 0 : 2;
    }

    /// <summary>One whole run; callable in-process by tests.</summary>
    public static async Task<Result> RunAsync(Options options, CancellationToken cancellationToken)
    {
        var result = new Result { Label = options.Label, Clients = options.Clients, Seconds = options.Time };
        string topic = options.Topic ?? $"bench-{Environment.ProcessId}-{Stopwatch.GetTimestamp()}";
        var connections = new List<RawHttpConnection>();
        try
        {
            for (int i = 0; i < options.Clients; i++)
            {
                connections.Add(await RawHttpConnection.OpenAsync(options.Url, cancellationToken));
            }
            string basePath = options.Url.AbsolutePath.TrimEnd('/');
            string message = new('x', options.MessageSize);
            RawHttpConnection first = connections[0];
            // Creating an existing topic is a failure by the API's rules: only a fresh one must succeed.
            int created = await first.SendAsync(first.Request("POST", $"{basePath}/topics", Json(w => w.WriteString("name", topic))), cancellationToken);
            if (created != 200 && options.Topic is null)
            {
                return result.Failed($"POST /topics answered {created}: {Encoding.UTF8.GetString(first.Body)}");
            }

            var produce = new byte[connections.Count][];
            for (int i = 0; i < connections.Count; i++)
            {
                long id = await RegisterAsync(connections[i], $"{basePath}/producer/register", topic, "producer_id", cancellationToken);
                produce[i] = connections[i].Request("POST", $"{basePath}/producer/produce",
                    Json(w => { w.WriteString("topic", topic); w.WriteNumber("producer_id", id); w.WriteString("message", message); }));
            }
            double cpu0 = CpuSeconds();
            Phase p = await PhaseAsync(connections, produce, options, cancellationToken);
            result.ProduceCpuSeconds = CpuSeconds() - cpu0;
            result.Produced = p.Succeeded;
            result.ProduceFailures = p.Failed;
            result.ProduceRps = p.Succeeded / options.Time;
            result.Error ??= p.FirstError;

            var consume = new byte[connections.Count][];
            for (int i = 0; i < connections.Count; i++)
            {
                long id = await RegisterAsync(connections[i], $"{basePath}/consumer/register", topic, "consumer_id", cancellationToken);
                consume[i] = connections[i].Request("GET", $"{basePath}/consumer/consume",
                    Json(w => { w.WriteString("topic", topic); w.WriteNumber("consumer_id", id); }));
            }
            cpu0 = CpuSeconds();
            Phase c = await PhaseAsync(connections, consume, options, cancellationToken);
            result.ConsumeCpuSeconds = CpuSeconds() - cpu0;
            result.Consumed = c.Succeeded;
            result.ConsumeFailures = c.Failed;
            result.ConsumeRps = c.Succeeded / options.Time;
            result.Error ??= c.FirstError;
            result.CpuSeconds = CpuSeconds();
            return result;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException or JsonException)
        {
            return result.Failed($"{options.Url}: {ex.Message}");
        }
        finally
        {
            foreach (var c in connections)
            {
                c.Dispose();
            }
        }
    }

    private static async Task<long> RegisterAsync(RawHttpConnection connection, string path, string topic, string idName, CancellationToken cancellationToken)
    {
        int status = await connection.SendAsync(connection.Request("POST", path, Json(w => w.WriteString("topic", topic))), cancellationToken);
        if (status != 200)
        {
            throw new IOException($"POST {path} answered {status}: {Encoding.UTF8.GetString(connection.Body)}");
        }
        using var doc = JsonDocument.Parse(connection.Body.ToArray());
        return doc.RootElement.GetProperty(idName).GetInt64();
    }

    private sealed record Phase(long Succeeded, long Failed, string? FirstError);

    // Every connection sends its request over and over; answers in the last --time seconds count.
    private static async Task<Phase> PhaseAsync(List<RawHttpConnection> connections, byte[][] requests, Options options, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        long countFrom = start + (long)(options.Warmup * Stopwatch.Frequency);
        long end = countFrom + (long)(options.Time * Stopwatch.Frequency);
        long succeeded = 0, failed = 0;
        string? firstError = null;
        await Task.WhenAll(connections.Select((connection, i) => Task.Run(async () =>
        {
            long ok = 0, bad = 0;
            while (true)
            {
                int status = await connection.SendAsync(requests[i], cancellationToken);
                long now = Stopwatch.GetTimestamp();
                if (now >= end)
                {
                    break;
                }
                bool success = status == 200 && connection.Body.IndexOf("\"success\""u8) >= 0;
                if (!success)
                {
                    Interlocked.CompareExchange(ref firstError, $"{status}: {Encoding.UTF8.GetString(connection.Body)}", null);
                }
                if (now >= countFrom)
                {
                    if (success)
                    {
                        ok++;
                    }
                    else
                    {
                        bad++;
                    }
                }
            }
            Interlocked.Add(ref succeeded, ok);
            Interlocked.Add(ref failed, bad);
        }, cancellationToken)));
        return new Phase(succeeded, failed, failed > 0 ? firstError : null);
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static double CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The command line.</summary>
    public sealed class Options
    {
        public Uri Url { get; set; } = new("http://127.0.0.1:15672/logqueue");
        public int Clients { get; set; } = 16;
        public double Time { get; set; } = 10;
        public double Warmup { get; set; } = 2;
        public int MessageSize { get; set; } = 128;
        public string? Topic { get; set; }
        public string? Label { get; set; }

        public static Options Parse(IReadOnlyList<string> args)
        {
            var o = new Options();
            for (int i = 0; i < args.Count; i++)
            {
                string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--url": o.Url = new Uri(Next()); break;
                    case "--clients": o.Clients = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--time": o.Time = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--warmup": o.Warmup = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--message-size": o.MessageSize = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--topic": o.Topic = Next(); break;
                    case "--label": o.Label = Next(); break;
                    default: throw new ArgumentException($"unknown argument '{args[i]}' (--url, --clients, --time, --warmup, --message-size, --topic, --label)");
                }
            }
            if (o.Clients < 1 || o.Time <= 0 || o.Warmup < 0 || o.MessageSize < 1)
            {
                throw new ArgumentException("--clients, --time and --message-size must be positive, --warmup not negative");
            }
            return o;
        }
    }

    /// <summary>What a run measured; <see cref="ToJson"/> is the line the CLI prints.</summary>
    public sealed class Result
    {
        public string? Label { get; init; }
        public int Clients { get; init; }
        public double Seconds { get; init; }
        public long Produced { get; set; }
        public long ProduceFailures { get; set; }
        public double ProduceRps { get; set; }
        public double ProduceCpuSeconds { get; set; }
        public long Consumed { get; set; }
        public long ConsumeFailures { get; set; }
        public double ConsumeRps { get; set; }
        public double ConsumeCpuSeconds { get; set; }
        public double CpuSeconds { get; set; }
        public string? Error { get; set; }

        public Result Failed(string error)
        {
            Error = error;
            CpuSeconds = LogQueueBenchProgram.CpuSeconds();
            return this;
        }

        public string ToJson()
        {
            using var stream = new MemoryStream();
            using (var json = new Utf8JsonWriter(stream))
            {
                json.WriteStartObject();
                json.WriteString("label", Label);
                json.WriteNumber("clients", Clients);
                json.WriteNumber("seconds", Seconds);
                json.WriteNumber("produced", Produced);
                json.WriteNumber("produce_failures", ProduceFailures);
                json.WriteNumber("produce_rps", Math.Round(ProduceRps, 1));
                json.WriteNumber("produce_cpu_seconds", Math.Round(ProduceCpuSeconds, 2));
                json.WriteNumber("consumed", Consumed);
                json.WriteNumber("consume_failures", ConsumeFailures);
                json.WriteNumber("consume_rps", Math.Round(ConsumeRps, 1));
                json.WriteNumber("consume_cpu_seconds", Math.Round(ConsumeCpuSeconds, 2));
                json.WriteNumber("cpu_seconds", Math.Round(CpuSeconds, 2));
                json.WriteString("error", Error);
                json.WriteEndObject();
            }
            return Encoding.UTF8.GetString(stream.ToArray());
        }
    }
}
