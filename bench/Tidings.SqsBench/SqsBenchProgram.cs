using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tidings.SqsBench;

// SQS load generator for bench/sqs-compare.sh: the same AWS JSON 1.0 traffic against Tidings and an
// SQS emulator (bench/sqs-peer). Scenarios:
//   standard  N senders doing SendMessageBatch of 10 x 128 B, M receivers doing ReceiveMessage
//             (10, WaitTimeSeconds 1) + DeleteMessageBatch, on one standard queue
//   fifo      the same on a FIFO queue: 100 MessageGroupIds per sender, a MessageDeduplicationId per message
//   wakeup    one receiver long-polling (WaitTimeSeconds 5), one sender sending one message every 20 ms;
//             send->receive latency p50/p99/max
// Prints a summary line and then one JSON line; exit 0 when the run completed with traffic and no
// error answers (OverLimit answers are counted as "throttled", not errors), 1 otherwise, 2 for bad arguments.
// Requests are signed with SigV4 (key "test"/"test", us-east-1) unless --no-sign (a fixed dummy header).
internal static class SqsBenchProgram
{
    private const string Usage =
        "usage: tidings-sqsbench --endpoint URL [--scenario standard|fifo|wakeup] [--seconds N] [--senders N] [--receivers N] [--no-sign]";

    public static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        using var http = new SqsHttp(options.Endpoint, options.Senders + options.Receivers + 2, options.Sign);
        var queueName = $"tidings-sqsbench-{options.Scenario}-{Guid.NewGuid().ToString("N")[..8]}" +
            (options.Scenario == "fifo" ? ".fifo" : "");
        string queueUrl;
        try
        {
            queueUrl = await http.CreateQueueAsync(queueName, cancellation.Token);
        }
        catch (InvalidOperationException e)
        {
            Console.Error.WriteLine(e.Message);
            return 1;
        }

        using var self = Process.GetCurrentProcess();
        var cpuBefore = self.TotalProcessorTime;
        Result result;
        try
        {
            result = options.Scenario == "wakeup"
                ? await Wakeup(http, queueUrl, options, cancellation.Token)
                : await Throughput(http, queueUrl, options, cancellation.Token);
        }
        finally
        {
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await http.DeleteQueueAsync(queueUrl, cleanup.Token);
        }
        self.Refresh();
        result.CpuSeconds = (self.TotalProcessorTime - cpuBefore).TotalSeconds;
        result.Errors = Interlocked.Read(ref http.Errors);
        result.Throttled = Interlocked.Read(ref http.Throttled);
        result.FirstError = http.FirstError;
        Console.WriteLine(result.Summary());
        Console.WriteLine(result.ToJson());
        var traffic = options.Scenario == "wakeup" ? result.Samples > 0 : result.Sent > 0 && result.Deleted > 0;
        return traffic && result.Errors == 0 ? 0 : 1;
    }

    private static readonly string Payload128 = new('x', 128);

    private static async Task<Result> Throughput(SqsHttp http, string queueUrl, Options options, CancellationToken cancel)
    {
        var fifo = options.Scenario == "fifo";
        long sent = 0, received = 0, deleted = 0, sendFailed = 0, deleteFailed = 0, emptyReceives = 0;
        var stopwatch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(options.Seconds);
        // In-flight requests are given a few seconds past the deadline, then cancelled.
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        hardStop.CancelAfter(deadline + TimeSpan.FromSeconds(5));

        // Standard: the same pre-built SendMessageBatch body every time (Ids e0..e9, 128 B bodies).
        var standardBody = SqsHttp.Json(w =>
        {
            w.WriteString("QueueUrl", queueUrl);
            w.WriteStartArray("Entries");
            for (var i = 0; i < 10; i++)
            {
                w.WriteStartObject();
                w.WriteString("Id", "e" + i.ToString(CultureInfo.InvariantCulture));
                w.WriteString("MessageBody", Payload128);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });

        async Task Sender(int index)
        {
            long sequence = 0;
            while (stopwatch.Elapsed < deadline && !cancel.IsCancellationRequested)
            {
                byte[] body = standardBody;
                if (fifo)
                {
                    var first = sequence;
                    body = SqsHttp.Json(w =>
                    {
                        w.WriteString("QueueUrl", queueUrl);
                        w.WriteStartArray("Entries");
                        for (var i = 0; i < 10; i++)
                        {
                            var n = first + i;
                            w.WriteStartObject();
                            w.WriteString("Id", "e" + i.ToString(CultureInfo.InvariantCulture));
                            w.WriteString("MessageBody", Payload128);
                            w.WriteString("MessageGroupId", $"g{index}-{n % 100}");
                            w.WriteString("MessageDeduplicationId", $"{index}-{n}");
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    });
                    sequence += 10;
                }
                var answer = await http.PostAsync("SendMessageBatch", body, hardStop.Token).ConfigureAwait(false);
                if (answer is null)
                {
                    await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
                var (ok, failed) = SqsHttp.BatchCounts(answer);
                Interlocked.Add(ref sent, ok);
                Interlocked.Add(ref sendFailed, failed);
            }
        }

        var receiveBody = SqsHttp.Json(w =>
        {
            w.WriteString("QueueUrl", queueUrl);
            w.WriteNumber("MaxNumberOfMessages", 10);
            w.WriteNumber("WaitTimeSeconds", 1);
        });

        async Task Receiver()
        {
            while (stopwatch.Elapsed < deadline && !cancel.IsCancellationRequested)
            {
                var answer = await http.PostAsync("ReceiveMessage", receiveBody, hardStop.Token).ConfigureAwait(false);
                if (answer is null)
                {
                    await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
                var messages = SqsHttp.Messages(answer);
                if (messages.Count == 0)
                {
                    Interlocked.Increment(ref emptyReceives);
                    continue;
                }
                Interlocked.Add(ref received, messages.Count);
                var deleteAnswer = await http.PostAsync("DeleteMessageBatch", SqsHttp.DeleteBatchBody(queueUrl, messages), hardStop.Token)
                    .ConfigureAwait(false);
                if (deleteAnswer is not null)
                {
                    var (ok, failed) = SqsHttp.BatchCounts(deleteAnswer);
                    Interlocked.Add(ref deleted, ok);
                    Interlocked.Add(ref deleteFailed, failed);
                }
            }
        }

        var tasks = new List<Task>();
        for (var i = 0; i < options.Senders; i++)
        {
            var index = i;
            tasks.Add(Task.Run(() => Sender(index), CancellationToken.None));
        }
        for (var i = 0; i < options.Receivers; i++)
        {
            tasks.Add(Task.Run(Receiver, CancellationToken.None));
        }
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the hard stop: requests still open 5 s after the deadline
        }
        var elapsed = stopwatch.Elapsed.TotalSeconds;
        return new Result(options)
        {
            Elapsed = elapsed,
            Sent = sent,
            Received = received,
            Deleted = deleted,
            SendFailed = sendFailed,
            DeleteFailed = deleteFailed,
            EmptyReceives = emptyReceives,
        };
    }

    private static async Task<Result> Wakeup(SqsHttp http, string queueUrl, Options options, CancellationToken cancel)
    {
        var latencies = new List<double>();
        long sent = 0, received = 0, deleted = 0;
        var stopwatch = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(options.Seconds);
        using var receiverStop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var receiveBody = SqsHttp.Json(w =>
        {
            w.WriteString("QueueUrl", queueUrl);
            w.WriteNumber("MaxNumberOfMessages", 10);
            w.WriteNumber("WaitTimeSeconds", 5);
        });

        async Task Receiver()
        {
            while (!receiverStop.IsCancellationRequested)
            {
                byte[]? answer;
                try
                {
                    answer = await http.PostAsync("ReceiveMessage", receiveBody, receiverStop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                var now = Stopwatch.GetTimestamp();
                if (answer is null)
                {
                    await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
                var messages = SqsHttp.Messages(answer);
                if (messages.Count == 0)
                {
                    continue;
                }
                lock (latencies)
                {
                    foreach (var (_, body) in messages)
                    {
                        var stamp = long.Parse(body.AsSpan(0, body.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
                        latencies.Add(Stopwatch.GetElapsedTime(stamp, now).TotalMilliseconds);
                    }
                }
                Interlocked.Add(ref received, messages.Count);
                var deleteAnswer = await http.PostAsync("DeleteMessageBatch", SqsHttp.DeleteBatchBody(queueUrl, messages), CancellationToken.None)
                    .ConfigureAwait(false);
                if (deleteAnswer is not null)
                {
                    Interlocked.Add(ref deleted, SqsHttp.BatchCounts(deleteAnswer).Successful);
                }
            }
        }

        var receiver = Task.Run(Receiver, CancellationToken.None);
        // Let the first long poll reach the server before the first send.
        await Task.Delay(200, cancel).ConfigureAwait(false);
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(20)))
        {
            while (stopwatch.Elapsed < deadline && !cancel.IsCancellationRequested && await timer.WaitForNextTickAsync(cancel).ConfigureAwait(false))
            {
                var stamp = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture);
                var messageBody = (stamp + " ").PadRight(128, 'x');
                var body = SqsHttp.Json(w =>
                {
                    w.WriteString("QueueUrl", queueUrl);
                    w.WriteString("MessageBody", messageBody);
                });
                if (await http.PostAsync("SendMessage", body, cancel).ConfigureAwait(false) is not null)
                {
                    sent++;
                }
            }
        }
        var sendElapsed = stopwatch.Elapsed.TotalSeconds;
        // Wait for the stragglers (at most 2 s), then stop the long poll.
        var drain = Stopwatch.StartNew();
        while (Interlocked.Read(ref received) < sent && drain.Elapsed < TimeSpan.FromSeconds(2))
        {
            await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
        }
        await receiverStop.CancelAsync().ConfigureAwait(false);
        await receiver.ConfigureAwait(false);
        latencies.Sort();
        return new Result(options)
        {
            Elapsed = sendElapsed,
            Sent = sent,
            Received = received,
            Deleted = deleted,
            Samples = latencies.Count,
            P50Ms = Percentile(latencies, 0.50),
            P99Ms = Percentile(latencies, 0.99),
            MaxMs = latencies.Count > 0 ? latencies[^1] : 0,
        };
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private sealed class Options
    {
        public Uri Endpoint { get; private set; } = null!;
        public string Scenario { get; private set; } = "standard";
        public int Seconds { get; private set; } = 10;
        public int Senders { get; private set; } = 4;
        public int Receivers { get; private set; } = 4;
        public bool Sign { get; private set; } = true;

        public static Options Parse(string[] args)
        {
            var o = new Options();
            for (var i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--endpoint": o.Endpoint = new Uri(Next()); break;
                    case "--scenario": o.Scenario = Next(); break;
                    case "--seconds": o.Seconds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--senders": o.Senders = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--receivers": o.Receivers = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--no-sign": o.Sign = false; break;
                    default: throw new ArgumentException($"unknown argument {args[i]}");
                }
            }
            if (o.Endpoint is null) throw new ArgumentException("--endpoint is required");
            if (o.Scenario is not ("standard" or "fifo" or "wakeup")) throw new ArgumentException($"unknown scenario {o.Scenario}");
            if (o.Seconds < 1 || o.Senders < 1 || o.Receivers < 1) throw new ArgumentException("--seconds, --senders and --receivers must be at least 1");
            if (o.Scenario == "wakeup")
            {
                o.Senders = 1;
                o.Receivers = 1;
            }
            return o;
        }
    }

    private sealed class Result(Options options)
    {
        public double Elapsed;
        public long Sent, Received, Deleted, SendFailed, DeleteFailed, EmptyReceives, Errors, Throttled, Samples;
        public double P50Ms, P99Ms, MaxMs, CpuSeconds;
        public string? FirstError;

        private double Rate(long n) => Elapsed > 0 ? Math.Round(n / Elapsed, 1) : 0;

        public string Summary()
        {
            var text = new StringBuilder();
            text.Append(CultureInfo.InvariantCulture,
                $"{options.Scenario} {options.Endpoint} {Elapsed:F1} s, {options.Senders} senders, {options.Receivers} receivers: " +
                $"sent {Rate(Sent)} msg/s, received {Rate(Received)} msg/s, deleted {Rate(Deleted)} msg/s, generator CPU {CpuSeconds:F2} s");
            if (options.Scenario == "wakeup")
            {
                text.Append(CultureInfo.InvariantCulture, $", latency p50 {P50Ms:F2} ms p99 {P99Ms:F2} ms max {MaxMs:F2} ms ({Samples} samples)");
            }
            if (Throttled > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $", {Throttled} OverLimit answers");
            }
            if (Errors > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $", {Errors} errors, first: {FirstError}");
            }
            return text.ToString();
        }

        public string ToJson()
        {
            var values = new Dictionary<string, object?>
            {
                ["scenario"] = options.Scenario,
                ["endpoint"] = options.Endpoint.ToString(),
                ["seconds"] = Math.Round(Elapsed, 3),
                ["senders"] = options.Senders,
                ["receivers"] = options.Receivers,
                ["sent"] = Sent,
                ["received"] = Received,
                ["deleted"] = Deleted,
                ["sent_per_s"] = Rate(Sent),
                ["received_per_s"] = Rate(Received),
                ["deleted_per_s"] = Rate(Deleted),
                ["send_failed_entries"] = SendFailed,
                ["delete_failed_entries"] = DeleteFailed,
                ["empty_receives"] = EmptyReceives,
                ["errors"] = Errors,
                ["throttled"] = Throttled,
                ["first_error"] = FirstError,
                ["cpu_seconds"] = Math.Round(CpuSeconds, 3),
                ["cpu_us_per_msg"] = Sent + Received > 0 ? Math.Round(CpuSeconds * 1e6 / (Sent + Received), 2) : 0,
            };
            if (options.Scenario == "wakeup")
            {
                values["samples"] = Samples;
                values["p50_ms"] = Math.Round(P50Ms, 3);
                values["p99_ms"] = Math.Round(P99Ms, 3);
                values["max_ms"] = Math.Round(MaxMs, 3);
            }
            return JsonSerializer.Serialize(values);
        }
    }
}
