using System.Diagnostics;

namespace Tidings.MqttBench;

// MQTT load generator for bench/mqtt-compare.sh: the same hand-encoded MQTT 3.1.1 traffic against
// Tidings and Mosquitto. See bench/README.md.
/// <summary>The entry point (a named class: the test project also references the AMQP generator, whose top-level Program would clash).</summary>
internal static class MqttBenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        MqttBenchOptions options;
        try
        {
            options = MqttBenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(MqttBenchOptions.Usage);
            return 2;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        try
        {
            var result = options.Scenario switch
            {
                "m1" or "m2" or "m3" => await ThroughputRun.RunAsync(options, cancellation.Token),
                "m4" => await LatencyRun.RunAsync(options, cancellation.Token),
                "m5" => await IdleConnectionsRun.RunAsync(options, Console.Out, cancellation.Token),
                _ => await OfflineBacklogRun.RunAsync(options, cancellation.Token),
            };
            using var self = Process.GetCurrentProcess();
            var withCpu = result with { CpuSeconds = self.TotalProcessorTime.TotalSeconds };
            Console.WriteLine(withCpu.ToJson());
            return result.Error is null ? 0 : 1;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException or TimeoutException)
        {
            Console.Error.WriteLine($"{options.Scenario} failed: {e.Message}");
            return 1;
        }
    }
}
