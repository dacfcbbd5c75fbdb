using Tidings.Core;

namespace Tidings.Storage.Tests;

/// <summary>
/// definitions.json contents the fuzzer (tools/Tidings.Fuzz, target definitions) found to make
/// <see cref="DefinitionsFile.Load"/> throw, which fails the broker's start. Each must be a
/// reported problem, and what did load must save and load again.
/// </summary>
public sealed class DefinitionsFileFuzzRegressionTests : IDisposable
{
    private readonly TempDirectory _temp = new("tidings-defs-fuzz");

    public void Dispose()
    {
        _temp.Dispose();
    }

    private static Broker NewBroker() => new(new BrokerOptions { MemoryHighWatermarkBytes = 0 });

    [Theory]
    [InlineData("""{"queues":[{"vhost":"/","durable":true},{"name":"kept","vhost":"/"}]}""")]
    [InlineData("""{"queues":[{"name":"","vhost":"/","durable":true},{"name":"kept","vhost":"/"}]}""")]
    [InlineData("""{"exchanges":[{"vhost":"/","type":"topic"}],"queues":[{"name":"kept","vhost":"/"}]}""")]
    [InlineData("""{"queues":[{"name":"kept","vhost":"/"}],"bindings":[{"vhost":"/","destination":"kept","destination_type":"queue"}]}""")]
    [InlineData("""{"queues":[{"name":"kept","vhost":"/"}],"bindings":[{"vhost":"/","source":"amq.direct","destination_type":"exchange"}]}""")]
    [InlineData("""{"queues":[{"name":"kept","vhost":"/"}],"bindings":[{"vhost":"/","source":"amq.direct","destination_type":"queue"}]}""")]
    public void An_entry_without_its_name_is_reported_and_the_rest_loads(string json)
    {
        var problems = Load(json, out var broker);
        using (broker)
        {
            Assert.Contains(problems, p => p.Contains("has no", StringComparison.Ordinal));
            Assert.NotNull(broker.DefaultVirtualHost.FindQueue("kept"));
            Assert.DoesNotContain(broker.DefaultVirtualHost.Queues, q => q.Name.StartsWith("amq.", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_repeated_key_is_reported_instead_of_failing_the_start()
    {
        var problems = Load("""{"queues":[{"name":"q1","vhost":"/"}],"queues":[]}""", out var broker);
        using (broker)
        {
            Assert.Contains(problems, p => p.Contains("queues", StringComparison.Ordinal));
            // The first occurrence is read, the repetition reported and skipped.
            Assert.NotNull(broker.DefaultVirtualHost.FindQueue("q1"));
        }
    }

    [Fact]
    public void A_number_too_large_for_a_double_loads_as_text_and_saves_again()
    {
        var problems = Load("""{"queues":[{"name":"q","vhost":"/","arguments":{"x-custom":1e400}}]}""", out var broker);
        using (broker)
        {
            Assert.Empty(problems);
            var queue = Assert.IsType<Tidings.Core.Queues.MessageQueue>(broker.DefaultVirtualHost.FindQueue("q"));
            Assert.Equal("1e400", queue.Arguments["x-custom"]);
            DefinitionsFile.Save(broker, Path.Combine(_temp.Path, "again"));
        }
    }

    [Fact]
    public void A_file_that_is_not_valid_UTF8_is_set_aside_like_invalid_JSON_and_the_broker_starts()
    {
        // Found by the fuzz CI slice: invalid bytes inside a string threw from deep in the restore.
        Directory.CreateDirectory(_temp.Path);
        string path = Path.Combine(_temp.Path, DefinitionsFile.FileName);
        File.WriteAllBytes(path, [.. "{\"queues\":[{\"name\":\"q"u8, 0xE2, 0x82, .. "\",\"vhost\":\"/\"}]}"u8]);
        using var broker = NewBroker();

        var problems = DefinitionsFile.Load(broker, _temp.Path);

        Assert.Contains(problems, p => p.Contains("not valid UTF-8", StringComparison.Ordinal));
        Assert.True(File.Exists(path + ".corrupt"));
        Assert.Empty(broker.DefaultVirtualHost.Queues);
    }

    private IReadOnlyList<string> Load(string json, out Broker broker)
    {
        Directory.CreateDirectory(_temp.Path);
        File.WriteAllText(Path.Combine(_temp.Path, DefinitionsFile.FileName), json);
        broker = NewBroker();
        return DefinitionsFile.Load(broker, _temp.Path);
    }
}
