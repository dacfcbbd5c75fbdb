using System.Collections.Concurrent;
using System.Text.Json;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>
/// Runs the third-party SQS client scripts of tests/interop (boto3, the AWS CLI, the JS SDK v3 and
/// sqs-consumer) against a test server, bounded, and hands back the one JSON line a scenario prints.
/// While a script runs, the broker's queues are sampled, so tests can check what the scenario made
/// on the broker side (durable queues) and that it left nothing behind.
/// </summary>
internal static class SqsScripts
{
    /// <summary>The prefix every script gives its queue names (then the client and a random suffix).</summary>
    public const string QueuePrefix = "tidings-interop-";

    /// <summary>Per script run by default, below the scripts' own 60 s alarm; the scenarios take 1–6 s.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    public static string SqsDirectory => Path.Combine(ExternalProcess.InteropDirectory, "sqs");

    /// <summary>
    /// Credentials and region for the child: any key works from loopback (the server acts as guest).
    /// No shared config or credentials files and no metadata service, so nothing on the machine leaks in.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Environment { get; } = new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = "test",
        ["AWS_SECRET_ACCESS_KEY"] = "test",
        ["AWS_DEFAULT_REGION"] = "us-east-1",
        ["AWS_REGION"] = "us-east-1",
        ["AWS_CONFIG_FILE"] = "/dev/null",
        ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null",
        ["AWS_EC2_METADATA_DISABLED"] = "true",
        ["AWS_PAGER"] = "",
        ["AWS_MAX_ATTEMPTS"] = "1",
    };

    /// <summary>What one scenario run printed, and the scenario's queues seen on the broker while it ran (name → durable).</summary>
    internal sealed record ScenarioRun(JsonElement Result, ProcessResult Process, IReadOnlyDictionary<string, bool> SeenQueues);

    public static async Task<ScenarioRun> RunAsync(TestBrokerServer server, string fileName, IEnumerable<string> arguments,
        string workingDirectory, string scenario, TimeSpan? timeout = null)
    {
        var seen = new ConcurrentDictionary<string, bool>();
        // Every declare raises DefinitionsChanged after the queue is in the vhost, so a queue a
        // scenario creates and deletes within a millisecond is still seen (polling missed one).
        void Note()
        {
            foreach (var queue in server.Broker.DefaultVirtualHost.Queues)
                if (queue.Name.StartsWith(QueuePrefix, StringComparison.Ordinal)) seen[queue.Name] = queue.Durable;
        }
        server.Broker.DefinitionsChanged += Note;
        ProcessResult run;
        try
        {
            run = await ExternalProcess.RunAsync(fileName, arguments, workingDirectory, Environment, timeout ?? Timeout);
        }
        finally
        {
            server.Broker.DefinitionsChanged -= Note;
        }

        string[] lines = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one JSON line\n{run.Describe()}");
        var result = JsonDocument.Parse(lines[0]).RootElement;
        Assert.True(run.ExitCode == 0 && result.GetProperty("ok").GetBoolean(), run.Describe());
        Assert.Equal(scenario, result.GetProperty("scenario").GetString());
        return new ScenarioRun(result, run, seen);
    }

    /// <summary>Every queue the scenario made was durable on the broker and is gone now (each scenario deletes its own).</summary>
    public static void AssertQueuesDurableAndDeleted(TestBrokerServer server, ScenarioRun run, int atLeast = 1)
    {
        Assert.True(run.SeenQueues.Count >= atLeast,
            $"saw {run.SeenQueues.Count} queues of the scenario on the broker, expected at least {atLeast}: {string.Join(", ", run.SeenQueues.Keys)}");
        Assert.All(run.SeenQueues, q => Assert.True(q.Value, $"queue {q.Key} was not durable"));
        var left = server.Broker.DefaultVirtualHost.Queues
            .Where(q => q.Name.StartsWith(QueuePrefix, StringComparison.Ordinal)).Select(q => q.Name).ToList();
        Assert.Empty(left);
    }
}
