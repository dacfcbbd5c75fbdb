using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Tidings.PerfTest;

/// <summary>
/// A run with <c>--client raw</c>: the topology declared through RabbitMQ.Client as in every run, the
/// traffic through <see cref="RawProducer"/> and <see cref="RawConsumer"/>; same limits, live line and
/// JSON as <see cref="PerfTestRun"/> (no latency histogram).
/// </summary>
internal static class RawRun
{
    public static async Task<PerfTestResult> RunAsync(PerfTestOptions options, RunControl control, TextWriter output)
    {
        long nonce = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));
        var producers = new List<RawProducer>();
        var consumers = new List<RawConsumer>();
        try
        {
            try
            {
                await PerfTestRun.DeclareTopologyAsync(PerfTestRun.CreateFactory(options), options, control.StopToken);
                consumers.AddRange(await Task.WhenAll(Enumerable.Range(0, options.Consumers)
                    .Select(i => RawConsumer.CreateAsync(options, control, i, control.StopToken))));
                producers.AddRange(await Task.WhenAll(Enumerable.Range(0, options.Producers)
                    .Select(_ => RawProducer.CreateAsync(options, control, nonce, control.StopToken))));
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or TimeoutException
                                           or RabbitMQ.Client.Exceptions.BrokerUnreachableException
                                           or RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                return PerfTestRun.SetupFailed(options, PerfTestRun.Describe(ex, options));
            }

            long start = Stopwatch.GetTimestamp();
            long deadline = start + (long)(options.TimeSeconds * Stopwatch.Frequency);
            Task[] producerTasks = [.. producers.Select(p => Task.Run(p.RunAsync))];
            Task[] consumerTasks = [.. consumers.Select(c => Task.Run(c.RunAsync))];
            Task finished = LimitsReachedAsync(options, producerTasks, consumers, control.StopToken);
            long lastSent = 0, lastConfirmed = 0, lastReceived = 0;
            for (int second = 1; ; second++)
            {
                TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Math.Min(start + second * Stopwatch.Frequency, deadline));
                if (wait > TimeSpan.Zero)
                {
                    await ((Task)Task.WhenAny(finished, Task.Delay(wait, control.StopToken))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
                if (control.StopRequested || finished.IsCompleted || Stopwatch.GetTimestamp() >= deadline)
                {
                    break;
                }
                if (!options.JsonOnly)
                {
                    long sent = producers.Sum(p => p.Sent), confirmed = producers.Sum(p => p.Confirmed), received = consumers.Sum(c => c.Received);
                    await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"t={second}s sent={sent - lastSent} msg/s confirmed={confirmed - lastConfirmed} msg/s received={received - lastReceived} msg/s (raw)"));
                    await output.FlushAsync();
                    (lastSent, lastConfirmed, lastReceived) = (sent, confirmed, received);
                }
            }
            control.Stop();
            await Task.WhenAll(producerTasks.Concat(consumerTasks));
            long end = Stopwatch.GetTimestamp();
            PerfTestResult result = Summarize(options, control, producers, consumers, Stopwatch.GetElapsedTime(start, end).TotalSeconds);
            if (!options.JsonOnly)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"--- {result.Label ?? "run"} (raw client): published {result.Published} ({result.PublishRate:F0} msg/s), confirmed {result.Confirmed}, consumed {result.Consumed} ({result.ConsumeRate:F0} msg/s), generator cpu {result.CpuSeconds:F2} s"));
            }
            await output.WriteLineAsync(result.ToJson());
            await output.FlushAsync();
            return result;
        }
        finally
        {
            await Task.WhenAll(producers.Select(p => p.DisposeAsync().AsTask()).Concat(consumers.Select(c => c.DisposeAsync().AsTask())));
        }
    }

    // Producers at --pmessages settled, consumers at --cmessages; a run with neither ends at --time.
    private static async Task LimitsReachedAsync(PerfTestOptions options, Task[] producerTasks, List<RawConsumer> consumers, CancellationToken stop)
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
    }

    private static PerfTestResult Summarize(PerfTestOptions options, RunControl control, List<RawProducer> producers, List<RawConsumer> consumers, double seconds)
    {
        long published = producers.Sum(p => p.Sent);
        long firstPublish = producers.Where(p => p.Sent > 0).Select(p => p.FirstPublishTimestamp).DefaultIfEmpty().Min();
        long producersEnd = producers.Where(p => p.Sent > 0).Select(p => p.EndTimestamp).DefaultIfEmpty().Max();
        double publishSeconds = producersEnd > firstPublish ? Stopwatch.GetElapsedTime(firstPublish, producersEnd).TotalSeconds : 0;
        long consumed = consumers.Sum(c => c.Received);
        long firstConsume = consumers.Where(c => c.Received > 0).Select(c => c.FirstTimestamp).DefaultIfEmpty().Min();
        long lastConsume = consumers.Where(c => c.Received > 0).Select(c => c.LastTimestamp).DefaultIfEmpty().Max();
        double consumeSeconds = lastConsume > firstConsume ? Stopwatch.GetElapsedTime(firstConsume, lastConsume).TotalSeconds : 0;
        return new PerfTestResult
        {
            Label = options.Label,
            Producers = options.Producers,
            Consumers = options.Consumers,
            Queues = options.Queues,
            Size = options.Size,
            Persistent = options.Persistent,
            Confirm = options.Confirm,
            Seconds = seconds,
            Published = published,
            Confirmed = producers.Sum(p => p.Confirmed),
            Nacked = producers.Sum(p => p.Nacked),
            Consumed = consumed,
            PublishRate = publishSeconds > 0 ? published / publishSeconds : 0,
            ConsumeRate = consumeSeconds > 0 ? consumed / consumeSeconds : 0,
            StreamOffsets = options.IsStream && consumers.Count > 0
                ? new StreamOffsetSummary([.. consumers.Select(c => c.FirstOffset)], [.. consumers.Select(c => c.LastOffset)],
                    consumers.Sum(c => c.OffsetsOutOfOrder), consumers.Sum(c => c.OffsetGaps), consumers.Sum(c => c.OffsetsMissing))
                : null,
            CpuSeconds = PerfTestRun.CpuSeconds(),
            Error = control.Error,
            ExitCode = control.Error is null ? 0 : control.ExitCode,
        };
    }
}
