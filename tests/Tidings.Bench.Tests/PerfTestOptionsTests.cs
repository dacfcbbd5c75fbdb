using Tidings.PerfTest;

namespace Tidings.Bench.Tests;

public sealed class PerfTestOptionsTests
{
    [Fact]
    public async Task Unknown_flag_exits_non_zero_and_names_the_flag()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        int exit = await Program.RunAsync(["--bogus"], output, error);

        Assert.NotEqual(0, exit);
        Assert.Contains("unknown argument '--bogus'", error.ToString(), StringComparison.Ordinal);
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public async Task Size_below_sixteen_exits_non_zero_and_says_the_minimum()
    {
        var error = new StringWriter();

        int exit = await Program.RunAsync(["--size", "8"], new StringWriter(), error);

        Assert.NotEqual(0, exit);
        Assert.Contains("--size must be at least 16", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--producers")]
    [InlineData("--time")]
    public async Task Missing_value_exits_non_zero(string flag)
    {
        var error = new StringWriter();

        int exit = await Program.RunAsync([flag], new StringWriter(), error);

        Assert.NotEqual(0, exit);
        Assert.Contains("needs a value", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_every_option_and_exits_zero()
    {
        var output = new StringWriter();

        int exit = await Program.RunAsync(["--help"], output, new StringWriter());

        Assert.Equal(0, exit);
        foreach (string flag in new[] { "--uri", "--producers", "--consumers", "--queue ", "--queues", "--exchange-type", "--size",
                     "--rate", "--confirm", "--persistent", "--durable", "--prefetch", "--multi-ack", "--autoack", "--time",
                     "--pmessages", "--cmessages", "--idle-connections", "--label", "--json-only" })
        {
            Assert.Contains(flag, output.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Defaults_match_the_documented_ones()
    {
        var o = PerfTestOptions.Parse([]);

        Assert.Equal("amqp://guest:guest@127.0.0.1:5672/", o.Uri);
        Assert.Equal((1, 1, "perf-q", 1, 128, 0, 0, 1000, 100, 10.0), (o.Producers, o.Consumers, o.Queue, o.Queues, o.Size, o.Rate, o.Confirm, (int)o.Prefetch, o.MultiAck, o.TimeSeconds));
        Assert.Equal(PerfExchangeType.Direct, o.ExchangeType);
        Assert.Equal(["perf-q"], o.QueueNames);
    }

    [Fact]
    public void Several_queues_are_numbered_from_one()
    {
        var o = PerfTestOptions.Parse(["--queue", "q", "--queues", "3"]);

        Assert.Equal(["q-1", "q-2", "q-3"], o.QueueNames);
    }
}
