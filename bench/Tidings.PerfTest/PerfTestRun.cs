using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Tidings.PerfTest;

/// <summary>
/// One load-generator run: declares the topology, opens one connection per producer and per consumer,
/// drives them until --time or the message limits, prints a live line a second, then the summary and
/// the JSON line. Callable in-process (tests) as well as from <see cref="Program"/>.
/// </summary>
public static class PerfTestRun
{
    // How long consumers must see nothing before a run limited only by --pmessages counts them done.
    private static readonly TimeSpan s_consumerQuietPeriod = TimeSpan.FromMilliseconds(500);

    public static async Task<PerfTestResult> RunAsync(PerfTestOptions options, TextWriter output, CancellationToken cancellationToken = default)
    {
        using var control = new RunControl(cancellationToken);
        var factory = CreateFactory(options);
        if (options.IdleConnections > 0)
        {
            return await IdleConnectionsRun.RunAsync(factory, options, control, output);
        }
        if (options.RawClient)
        {
            return await RawRun.RunAsync(options, control, output);
        }

        long nonce = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));
        var producers = new List<Producer>();
        var consumers = new List<Consumer>();
        try
        {
            try
            {
                await DeclareTopologyAsync(factory, options, cancellationToken);
                // Consumers first, so a publish run's first messages already find them.
                consumers.AddRange(await Task.WhenAll(Enumerable.Range(0, options.Consumers)
                    .Select(i => Consumer.CreateAsync(factory, options, control, i, nonce, cancellationToken))));
                producers.AddRange(await Task.WhenAll(Enumerable.Range(0, options.Producers)
                    .Select(i => Producer.CreateAsync(factory, options, control, i, nonce, cancellationToken))));
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException
                                           or AuthenticationFailureException or IOException or TimeoutException)
            {
                return SetupFailed(options, Describe(ex, options));
            }
            return await DriveAsync(options, control, producers, consumers, output);
        }
        finally
        {
            await Task.WhenAll(producers.Select(p => p.DisposeAsync().AsTask())
                .Concat(consumers.Select(c => c.DisposeAsync().AsTask())));
        }
    }

    internal static ConnectionFactory CreateFactory(PerfTestOptions options) => new()
    {
        Uri = new Uri(options.Uri),
        // A benchmark reports a lost connection; it must not quietly reconnect and keep counting.
        AutomaticRecoveryEnabled = false,
        TopologyRecoveryEnabled = false,
    };

    internal static PerfTestResult SetupFailed(PerfTestOptions options, string error) => new()
    {
        Label = options.Label,
        Error = error,
        ExitCode = RunControl.ExitBrokerFailure,
        Ran = false,
    };

    internal static string Describe(Exception ex, PerfTestOptions options)
    {
        var uri = new Uri(options.Uri);
        string endpoint = $"{uri.Host}:{(uri.IsDefaultPort ? 5672 : uri.Port)}";
        return ex switch
        {
            BrokerUnreachableException b => $"cannot connect to {endpoint}: {Innermost(b).Message}",
            OperationInterruptedException o => $"broker refused: {o.ShutdownReason?.ReplyCode} {o.ShutdownReason?.ReplyText ?? o.Message}",
            _ => $"{endpoint}: {ex.Message}",
        };
    }

    // The client wraps the socket error in an AggregateException inside a ConnectFailureException.
    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        return ex;
    }

    // Declaring is idempotent, so a drain run re-declares what a publish run left behind.
    internal static async Task DeclareTopologyAsync(ConnectionFactory factory, PerfTestOptions options, CancellationToken cancellationToken)
    {
        await using IConnection connection = await factory.CreateConnectionAsync("tidings-perftest setup", cancellationToken);
        await using IChannel channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        if (options.ExchangeType == PerfExchangeType.Fanout)
        {
            await channel.ExchangeDeclareAsync(options.FanoutExchangeName, ExchangeType.Fanout, durable: options.DeclareDurable,
                autoDelete: false, cancellationToken: cancellationToken);
        }
        foreach (string queue in options.QueueNames)
        {
            var arguments = options.IsStream ? new Dictionary<string, object?> { ["x-queue-type"] = "stream" } : null;
            await channel.QueueDeclareAsync(queue, durable: options.DeclareDurable, exclusive: false, autoDelete: false,
                arguments, cancellationToken: cancellationToken);
            if (options.ExchangeType == PerfExchangeType.Fanout)
            {
                await channel.QueueBindAsync(queue, options.FanoutExchangeName, "", cancellationToken: cancellationToken);
            }
        }
        await channel.CloseAsync(cancellationToken);
        await connection.CloseAsync(cancellationToken);
    }

    private static async Task<PerfTestResult> DriveAsync(PerfTestOptions options, RunControl control,
        List<Producer> producers, List<Consumer> consumers, TextWriter output)
    {
        long allocatedBefore = GC.GetTotalAllocatedBytes();
        long start = Stopwatch.GetTimestamp();
        long deadline = start + (long)(options.TimeSeconds * Stopwatch.Frequency);
        Task[] producerTasks = [.. producers.Select(p => Task.Run(p.RunAsync))];
        Task finished = LimitsReachedAsync(options, producerTasks, consumers, control.StopToken);
        var live = new LiveReporter(producers, consumers, options.Confirm > 0);

        for (int second = 1; ; second++)
        {
            long tick = start + second * Stopwatch.Frequency;
            long wakeAt = Math.Min(tick, deadline);
            TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), wakeAt);
            if (wait > TimeSpan.Zero)
            {
                await Task.WhenAny(finished, Task.Delay(wait, control.StopToken));
            }
            if (control.StopRequested || finished.IsCompleted || Stopwatch.GetTimestamp() >= deadline)
            {
                break;
            }
            if (!options.JsonOnly)
            {
                await output.WriteLineAsync(live.Line(second));
                await output.FlushAsync();
            }
        }

        control.Stop();
        await Task.WhenAll(producerTasks);
        await Task.WhenAll(producers.Select(p => p.DrainAsync()));
        long end = Stopwatch.GetTimestamp();
        await Task.WhenAll(consumers.Select(c => c.StopAsync()));

        PerfTestResult result = Summarize(options, control, producers, consumers, Stopwatch.GetElapsedTime(start, end).TotalSeconds);
        if (!options.JsonOnly)
        {
            await output.WriteLineAsync(HumanSummary(result));
            long messages = result.Published + result.Consumed;
            if (messages > 0)
            {
                // The generator's own garbage (the client library's included): the cost it adds per message.
                long allocated = GC.GetTotalAllocatedBytes() - allocatedBefore;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"generator allocated {allocated / (double)messages:F0} B per message handled (published + consumed)"));
            }
        }
        await output.WriteLineAsync(result.ToJson());
        await output.FlushAsync();
        return result;
    }

    // Completes when every limit that was given is reached: producers at --pmessages (confirmed) and
    // consumers at --cmessages. With only --pmessages, consumers count as done once they go quiet.
    // Never completes when no limit applies; --time ends those runs.
    private static async Task LimitsReachedAsync(PerfTestOptions options, Task[] producerTasks, List<Consumer> consumers, CancellationToken stop)
    {
        bool producerLimit = options.PMessages > 0 && producerTasks.Length > 0;
        bool consumerLimit = options.CMessages > 0 && consumers.Count > 0;
        if (!producerLimit && !consumerLimit)
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }
        if (producerLimit)
        {
            await Task.WhenAll(producerTasks);
        }
        if (consumerLimit)
        {
            await Task.WhenAll(consumers.Select(c => c.Done)).WaitAsync(stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        else if (consumers.Count > 0)
        {
            long seen = -1;
            while (!stop.IsCancellationRequested)
            {
                long now = consumers.Sum(c => c.Received);
                if (now == seen)
                {
                    return;
                }
                seen = now;
                await Task.Delay(s_consumerQuietPeriod, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private static PerfTestResult Summarize(PerfTestOptions options, RunControl control, List<Producer> producers, List<Consumer> consumers, double seconds)
    {
        long published = producers.Sum(p => p.Sent);
        long firstPublish = producers.Where(p => p.Sent > 0).Select(p => p.FirstPublishTimestamp).DefaultIfEmpty().Min();
        long producersEnd = producers.Where(p => p.Sent > 0).Select(p => p.EndTimestamp).DefaultIfEmpty().Max();
        double publishSeconds = producersEnd > firstPublish ? Stopwatch.GetElapsedTime(firstPublish, producersEnd).TotalSeconds : 0;

        long consumed = consumers.Sum(c => c.Received);
        long firstConsume = consumers.Where(c => c.Received > 0).Select(c => c.FirstTimestamp).DefaultIfEmpty().Min();
        long lastConsume = consumers.Where(c => c.Received > 0).Select(c => c.LastTimestamp).DefaultIfEmpty().Max();
        double consumeSeconds = lastConsume > firstConsume ? Stopwatch.GetElapsedTime(firstConsume, lastConsume).TotalSeconds : 0;

        var latency = new LogLinearHistogram();
        foreach (var consumer in consumers)
        {
            latency.Add(consumer.Latency);
        }

        return new PerfTestResult
        {
            Label = options.Label,
            Producers = options.Producers,
            Consumers = options.Consumers,
            Queues = options.Queues,
            Size = options.Size,
            Persistent = options.Persistent,
            Confirm = options.Confirm,
            Rate = options.Rate,
            Seconds = seconds,
            Published = published,
            Confirmed = producers.Sum(p => p.Confirmed),
            Nacked = producers.Sum(p => p.Nacked),
            Returned = producers.Sum(p => p.Returned),
            Consumed = consumed,
            PublishRate = publishSeconds > 0 ? published / publishSeconds : 0,
            ConsumeRate = consumeSeconds > 0 ? consumed / consumeSeconds : 0,
            Latency = latency.Count == 0 ? null : new LatencySummary(
                latency.ValueAtPercentile(50), latency.ValueAtPercentile(99), latency.ValueAtPercentile(99.9), latency.Max, latency.Count),
            StreamOffsets = options.IsStream && consumers.Count > 0
                ? new StreamOffsetSummary([.. consumers.Select(c => c.FirstOffset)], [.. consumers.Select(c => c.LastOffset)],
                    consumers.Sum(c => c.OffsetsOutOfOrder), consumers.Sum(c => c.OffsetGaps), consumers.Sum(c => c.OffsetsMissing))
                : null,
            CpuSeconds = CpuSeconds(),
            Error = control.Error,
            ExitCode = control.Error is null ? 0 : control.ExitCode,
        };
    }

    internal static double CpuSeconds()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private static string HumanSummary(PerfTestResult r)
    {
        var c = CultureInfo.InvariantCulture;
        var lines = new List<string>
        {
            string.Create(c, $"--- {r.Label ?? "run"}: {r.Seconds:F2} s, {r.Producers} producer(s), {r.Consumers} consumer(s), {r.Queues} queue(s), {r.Size} B{(r.Persistent ? ", persistent" : "")}{(r.Confirm > 0 ? $", confirm window {r.Confirm}" : "")}"),
            string.Create(c, $"published {r.Published} ({r.PublishRate:F0} msg/s), confirmed {r.Confirmed}, nacked {r.Nacked}, returned {r.Returned}"),
            string.Create(c, $"consumed  {r.Consumed} ({r.ConsumeRate:F0} msg/s)"),
            r.Latency is { } l
                ? string.Create(c, $"latency   p50 {LiveReporter.FormatMicros(l.P50)}, p99 {LiveReporter.FormatMicros(l.P99)}, p99.9 {LiveReporter.FormatMicros(l.P999)}, max {LiveReporter.FormatMicros(l.Max)} ({l.Count} samples)")
                : "latency   none (no message of this run was consumed)",
            string.Create(c, $"generator cpu {r.CpuSeconds:F2} s ({(r.Seconds > 0 ? r.CpuSeconds / r.Seconds * 100 : 0):F0}% of one core)"),
        };
        return string.Join(Environment.NewLine, lines);
    }
}
