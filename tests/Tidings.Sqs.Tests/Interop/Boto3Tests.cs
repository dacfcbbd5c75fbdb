using System.Text.Json;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Interop;

/// <summary>
/// boto3 (Debian's python3-boto3 1.26 / botocore 1.29, Query protocol: form POSTs, XML answers)
/// against Tidings; the client side is tests/interop/sqs/boto3_scenarios.py. botocore itself checks
/// MD5OfMessageBody and MD5OfMessageAttributes of every send and receive answer.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class Boto3Tests
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
    public async Task Xml_special_characters_and_the_edges_of_the_allowed_set_come_back_unchanged()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "xml_chars");

        Assert.Equal(5, run.Result.GetProperty("bodies").GetInt32());
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
    public async Task Fifo_queue_keeps_group_order_numbers_sequences_and_drops_a_content_duplicate()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "fifo");

        Assert.Equal(10, run.Result.GetProperty("received").GetInt32());
        Assert.True(run.Result.GetProperty("duplicate_dropped").GetBoolean());
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
        Assert.All(run.SeenQueues.Keys, name => Assert.EndsWith(".fifo", name));
    }

    [Fact]
    public async Task Visibility_timeout_hides_a_message_and_change_message_visibility_moves_it()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "visibility");

        Assert.Equal(2, run.Result.GetProperty("receive_count_after_two").GetInt32());
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
    public async Task Errors_carry_the_query_error_codes_and_botocore_raises_the_modelled_exceptions()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "errors");

        Assert.Equal(["AWS.SimpleQueueService.NonExistentQueue", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", "ReceiptHandleIsInvalid"],
            Strings(run.Result.GetProperty("codes")));
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    [Fact]
    public async Task Redrive_policy_moves_a_message_received_max_receive_count_times_to_the_dead_letter_queue()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "dlq");

        Assert.True(run.Result.GetProperty("moved").GetBoolean());
        Assert.Equal(2, run.Result.GetProperty("max_receive_count").GetInt32());
        SqsScripts.AssertQueuesDurableAndDeleted(server, run, atLeast: 2);
    }

    [Fact]
    public async Task Tags_set_by_create_queue_and_tag_queue_are_listed_and_untag_queue_removes_them()
    {
        // Regressions: TagQueue read Query's map as Tags.N.Key (botocore sends Tag.N.Key: MissingParameter Tags),
        // and answers with an empty Result (untagged ListQueueTags, ListQueues matching nothing) had no Result element.
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "tags");

        Assert.Equal(["env", "owner", "team"], Strings(run.Result.GetProperty("tagged")));
        Assert.True(run.Result.GetProperty("untagged").GetBoolean());
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    [Fact]
    public async Task Resource_api_queue_and_message_objects_work()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        var run = await RunScenarioAsync(server, "resource");

        Assert.False(string.IsNullOrEmpty(run.Result.GetProperty("message_id").GetString()));
        SqsScripts.AssertQueuesDurableAndDeleted(server, run);
    }

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    private static async Task<SqsScripts.ScenarioRun> RunScenarioAsync(TestBrokerServer server, string scenario)
    {
        await ExternalProcess.RequirePythonModulesAsync("boto3");
        var run = await SqsScripts.RunAsync(server, ExternalProcess.DebianPython,
            [Path.Combine(SqsScripts.SqsDirectory, "boto3_scenarios.py"), server.SqsEndpoint, scenario],
            SqsScripts.SqsDirectory, scenario);
        Assert.Equal("boto3", run.Result.GetProperty("client").GetString());
        return run;
    }
}
