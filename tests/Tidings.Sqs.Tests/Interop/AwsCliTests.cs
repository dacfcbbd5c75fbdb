using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>
/// The AWS CLI (Debian's awscli 2.9, /usr/bin/aws, Query protocol) against Tidings; the client side
/// is tests/interop/sqs/awscli_scenarios.sh, which checks every answer with python3.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class AwsCliTests
{
    [Fact]
    public async Task Queue_and_message_lifecycle_from_create_queue_to_delete_queue()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        // Without /usr/bin/aws the script fails (never skips), naming install-tools.sh. Each of its twelve aws
        // runs costs the CLI's 1–3 s start-up: about 30 s alone, 45 s next to the other interop tests.
        var run = await SqsScripts.RunAsync(server, "bash",
            [Path.Combine(SqsScripts.SqsDirectory, "awscli_scenarios.sh"), server.SqsEndpoint, "lifecycle"],
            SqsScripts.SqsDirectory, "lifecycle", timeout: TimeSpan.FromSeconds(90));

        Assert.Equal("awscli", run.Result.GetProperty("client").GetString());
        Assert.StartsWith("aws-cli/2.", run.Result.GetProperty("aws").GetString());
        Assert.Equal(
            ["create-queue", "get-queue-url", "list-queues", "get-queue-attributes", "send-message", "receive-message", "delete-message", "delete-queue"],
            run.Result.GetProperty("steps").EnumerateArray().Select(e => e.GetString()));
        // The one queue was durable while it lived; delete-queue removed it from the broker.
        Assert.Single(run.SeenQueues);
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }
}
