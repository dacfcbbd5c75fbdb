namespace Tidings.MqttBench;

/// <summary>
/// m5: opens <c>--connections</c> MQTT connections (CONNECT, keep alive 600 s, nothing else),
/// prints <c>ready connections=N</c>, holds them <c>--time</c> seconds, closes them. The script
/// measures the broker's resident memory while they are open.
/// </summary>
internal static class IdleConnectionsRun
{
    // Connections opened at once: quick, without looking like a connection storm.
    private const int Concurrency = 50;

    public static async Task<MqttBenchResult> RunAsync(MqttBenchOptions options, TextWriter output, CancellationToken cancellation)
    {
        var clients = new RawMqttClient?[options.Connections];
        try
        {
            await Parallel.ForEachAsync(Enumerable.Range(0, clients.Length),
                new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = cancellation },
                async (i, ct) => clients[i] = await RawMqttClient.ConnectAsync(options.Broker, $"bench-idle-{Environment.ProcessId}-{i}", cleanSession: true, ct));
            await output.WriteLineAsync($"ready connections={clients.Length}");
            await output.FlushAsync(cancellation);
            await Task.Delay(TimeSpan.FromSeconds(options.TimeSeconds), cancellation);
            int failed = clients.Count(c => c!.Failure is not null);
            return new MqttBenchResult
            {
                Scenario = options.Scenario,
                Label = options.Label,
                Seconds = options.TimeSeconds,
                Connections = clients.Length,
                Error = failed > 0 ? $"{failed} connections were closed while idle" : null,
            };
        }
        finally
        {
            await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = Concurrency },
                async (client, _) =>
                {
                    if (client is not null) await client.DisposeAsync();
                });
        }
    }
}
