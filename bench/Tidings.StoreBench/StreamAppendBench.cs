using System.Diagnostics;
using Tidings.Core.Messages;
using Tidings.Core.Storage;
using Tidings.Storage.Streams;

/// <summary>
/// Appends to one stream of the disk stream store from one publisher with confirms: every append
/// carries a durability callback that releases a slot of the unconfirmed window, as a publisher
/// confirm would. Reports appends/s, fsync rounds and records per round, then the replay rate.
/// Usage: dotnet run -c Release --project bench/Tidings.StoreBench -- stream [messages] [bodyBytes] [window]
/// </summary>
static class StreamAppendBench
{
    public static async Task RunAsync(string[] args)
    {
        int messages = args.Length > 0 ? int.Parse(args[0]) : 2_000_000;
        int bodyBytes = args.Length > 1 ? int.Parse(args[1]) : 128;
        int window = args.Length > 2 ? int.Parse(args[2]) : 10_000;
        string directory = Path.Combine(Path.GetTempPath(), "tidings-streambench-" + Environment.ProcessId);
        try
        {
            var store = new SegmentStreamStore(directory);
            var log = store.OpenStream("/", "bench", new StreamRetention(null, null, 64L * 1024 * 1024));
            var message = new Message("", "bench", new MessageProperties { Durable = true }, new byte[bodyBytes]);
            var slots = new SemaphoreSlim(window);
            Action<object?> confirmed = static s => ((SemaphoreSlim)s!).Release();
            long fsyncsBefore = store.Fsyncs;
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < messages; i++)
            {
                if (!slots.Wait(0)) await slots.WaitAsync();
                log.Append(message, i, confirmed, slots);
            }
            for (int i = 0; i < window; i++) await slots.WaitAsync();
            double seconds = watch.Elapsed.TotalSeconds;
            long fsyncs = store.Fsyncs - fsyncsBefore;
            Console.WriteLine($"stream append+confirm: {messages:N0} x {bodyBytes} B, 1 publisher, {window:N0} unconfirmed: " +
                              $"{messages / seconds:N0} appends/s, {fsyncs:N0} fsync rounds ({messages / (double)Math.Max(1, fsyncs):N0} per round), " +
                              $"{log.SizeBytes / 1048576} MiB in {log.SegmentCount} segments");
            watch.Restart();
            long read = 0;
            using (var cursor = log.OpenCursor(0))
                while (cursor.TryRead(out _)) read++;
            Console.WriteLine($"stream replay: {read:N0} messages at {read / watch.Elapsed.TotalSeconds:N0} msg/s");
            await store.DisposeAsync();
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
