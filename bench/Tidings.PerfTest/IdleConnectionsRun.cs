using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Tidings.PerfTest;

/// <summary>
/// --idle-connections: opens n connections with one channel each and no traffic, says so with one
/// `ready connections=n` line, holds them for --time seconds, closes them. For measuring what an idle
/// connection costs the broker.
/// </summary>
internal static class IdleConnectionsRun
{
    // Connections opened (and closed) at once: enough to be quick, few enough not to look like a
    // connection storm to the broker being measured.
    private const int Concurrency = 50;

    public static async Task<PerfTestResult> RunAsync(ConnectionFactory factory, PerfTestOptions options, RunControl control, TextWriter output)
    {
        int n = options.IdleConnections;
        var connections = new IConnection?[n];
        try
        {
            try
            {
                await Parallel.ForEachAsync(Enumerable.Range(0, n),
                    new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = control.StopToken },
                    async (i, ct) =>
                    {
                        IConnection connection = await factory.CreateConnectionAsync($"tidings-perftest idle {i}", ct);
                        connections[i] = connection;
                        IChannel channel = await connection.CreateChannelAsync(cancellationToken: ct);
                        control.Watch(connection, channel, $"idle connection {i}");
                    });
            }
            catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException
                                           or AuthenticationFailureException or IOException or TimeoutException)
            {
                return PerfTestRun.SetupFailed(options, PerfTestRun.Describe(ex, options));
            }

            await output.WriteLineAsync($"ready connections={n}");
            await output.FlushAsync();
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            await Task.Delay(TimeSpan.FromSeconds(options.TimeSeconds), control.StopToken)
                .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

            var result = new PerfTestResult
            {
                Label = options.Label,
                Seconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds,
                Connections = n,
                CpuSeconds = PerfTestRun.CpuSeconds(),
                Error = control.Error,
                ExitCode = control.Error is null ? 0 : control.ExitCode,
            };
            await output.WriteLineAsync(result.ToJson());
            await output.FlushAsync();
            return result;
        }
        finally
        {
            await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
                async (connection, _) =>
                {
                    if (connection is null)
                    {
                        return;
                    }
                    try
                    {
                        await connection.CloseAsync();
                    }
                    catch (Exception)
                    {
                        // Closed by the broker already; reported through the shutdown event.
                    }
                    await connection.DisposeAsync();
                });
        }
    }
}
