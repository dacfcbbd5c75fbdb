using System.Text.Json;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>
/// The AWS SDK for JavaScript v3 (@aws-sdk/client-sqs, AWS JSON 1.0 protocol; the SDK checks the
/// MD5s) and sqs-consumer against Tidings; the client side is tests/interop/node/sqs_scenarios.mjs.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class NodeSdkTests
{
    [Fact]
    public async Task Basic_send_receive_delete_keeps_body_attributes_and_system_attributes()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "basic");

        Assert.Equal(["blob", "count", "greeting", "kind"], Strings(run.Result.GetProperty("attributes")));
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    [Fact]
    public async Task Message_system_attribute_names_selects_exactly_the_named_system_attributes()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "system_attribute_names");

        Assert.Equal(["ApproximateReceiveCount", "SentTimestamp"], Strings(run.Result.GetProperty("attributes")));
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    [Fact]
    public async Task Batch_send_receive_and_delete_of_ten_messages()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "batch");

        Assert.Equal(10, run.Result.GetProperty("received").GetInt32());
        Assert.Equal(10, run.Result.GetProperty("deleted").GetInt32());
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    [Fact]
    public async Task Fifo_queue_keeps_group_order_and_drops_a_content_duplicate()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "fifo");

        Assert.Equal(10, run.Result.GetProperty("received").GetInt32());
        Assert.True(run.Result.GetProperty("duplicate_dropped").GetBoolean());
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    [Fact]
    public async Task Long_poll_waits_on_an_empty_queue_and_wakes_when_a_message_arrives()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "longpoll");

        Assert.InRange(run.Result.GetProperty("empty_wait_s").GetDouble(), 0.8, 3.0);
        Assert.InRange(run.Result.GetProperty("wakeup_s").GetDouble(), 0.4, 2.0);
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    [Fact]
    public async Task Errors_are_the_modelled_exceptions_with_http_400()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "errors");

        var errors = run.Result.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(["QueueDoesNotExist", "QueueDoesNotExist", "BatchEntryIdsNotDistinct", "ReceiptHandleIsInvalid"],
            errors.Select(e => e.GetProperty("name").GetString()));
        Assert.All(errors, e => Assert.Equal(400, e.GetProperty("status").GetInt32()));
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    [Fact]
    public async Task Sqs_consumer_handles_and_deletes_twenty_messages()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        await ExternalProcess.RequireNodeModuleAsync("sqs-consumer");
        var run = await RunScenarioAsync(server, "sqs_consumer");

        Assert.Equal(20, run.Result.GetProperty("processed").GetInt32());
        Assert.Equal(20, run.Result.GetProperty("distinct").GetInt32());
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static async Task<SqsScripts.ScenarioRun> RunScenarioAsync(TestBrokerServer server, string scenario)
    {
        await ExternalProcess.RequireNodeModuleAsync("@aws-sdk/client-sqs");
        var run = await SqsScripts.RunAsync(server, "node",
            [Path.Combine(ExternalProcess.NodeDirectory, "sqs_scenarios.mjs"), server.SqsEndpoint, scenario],
            ExternalProcess.NodeDirectory, scenario);
        Assert.Equal("aws-sdk-js-v3", run.Result.GetProperty("client").GetString());
        return run;
    }
}
