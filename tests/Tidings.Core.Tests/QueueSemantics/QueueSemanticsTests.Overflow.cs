using Tidings.Core.Queues;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>
/// Length limits (x-max-length, x-max-length-bytes) with each x-overflow mode. Every theory runs
/// once per limit: two messages of four bytes fit, a third does not.
/// </summary>
public abstract partial class QueueSemanticsTests
{
    /// <summary>Declares "q" holding two 4-byte messages under <paramref name="limit"/>, dead-lettering to "dead".</summary>
    private IQueue DeclareLimitedQueue(string limit, string? overflow, bool deadLetter)
    {
        var arguments = new List<(string, object?)> { (limit, limit == "x-max-length" ? 2L : 8L) };
        if (overflow is not null) arguments.Add(("x-overflow", overflow));
        if (deadLetter)
        {
            DeclareQueue("dead");
            arguments.Add(("x-dead-letter-exchange", ""));
            arguments.Add(("x-dead-letter-routing-key", "dead"));
        }
        return DeclareQueue("q", [.. arguments]);
    }

    [Theory]
    [InlineData("x-max-length", null)]
    [InlineData("x-max-length", "drop-head")]
    [InlineData("x-max-length-bytes", null)]
    [InlineData("x-max-length-bytes", "drop-head")]
    public void Drop_head_overflow_discards_the_oldest_message(string limit, string? overflow)
    {
        var queue = DeclareLimitedQueue(limit, overflow, deadLetter: false);

        var results = new[] { "msg1", "msg2", "msg3" }.Select(body => Publish("q", body)).ToList();

        Assert.All(results, r => Assert.False(r.Rejected));
        Assert.Equal(2, queue.MessageCount);
        Assert.Equal(["msg2", "msg3"], Drain("q"));
    }

    [Theory]
    [InlineData("x-max-length")]
    [InlineData("x-max-length-bytes")]
    public void Drop_head_overflow_dead_letters_the_oldest_message_with_reason_maxlen(string limit)
    {
        DeclareLimitedQueue(limit, "drop-head", deadLetter: true);

        foreach (var body in new[] { "msg1", "msg2", "msg3" }) Publish("q", body);

        var dead = GetOne("dead").Message;
        Assert.Equal("msg1", dead.Text());
        var death = Assert.Single(XDeath(dead));
        Assert.Equal("maxlen", death["reason"]);
        Assert.Equal("q", death["queue"]);
        Assert.Equal(["msg2", "msg3"], Drain("q"));
    }

    [Fact]
    public void Drop_head_by_bytes_drops_as_many_old_messages_as_needed_for_a_large_one()
    {
        var queue = DeclareQueue("q", ("x-max-length-bytes", 10));
        foreach (var body in new[] { "aaa", "bbb", "ccc" }) Publish("q", body);

        Publish("q", "dddddddd");

        Assert.Equal(["dddddddd"], Drain("q"));
        Assert.Equal(0, queue.MessageBytes);
    }

    [Theory]
    [InlineData("x-max-length")]
    [InlineData("x-max-length-bytes")]
    public void Reject_publish_overflow_refuses_the_new_message_and_keeps_the_old_ones(string limit)
    {
        var queue = DeclareLimitedQueue(limit, "reject-publish", deadLetter: true);

        Assert.False(Publish("q", "msg1").Rejected);
        Assert.False(Publish("q", "msg2").Rejected);
        var refused = Publish("q", "msg3");

        Assert.True(refused.Rejected);
        Assert.Equal(2, queue.MessageCount);
        Assert.Equal(["msg1", "msg2"], Drain("q"));
        // Plain reject-publish does not dead-letter what it refuses.
        Assert.Equal(0, VHost.FindQueue("dead")!.MessageCount);
    }

    [Theory]
    [InlineData("x-max-length")]
    [InlineData("x-max-length-bytes")]
    public void Reject_publish_dlx_overflow_refuses_and_dead_letters_the_new_message(string limit)
    {
        var queue = DeclareLimitedQueue(limit, "reject-publish-dlx", deadLetter: true);
        Publish("q", "msg1");
        Publish("q", "msg2");

        var refused = Publish("q", "msg3");

        Assert.True(refused.Rejected);
        Assert.Equal(["msg1", "msg2"], Drain("q"));
        var dead = GetOne("dead").Message;
        Assert.Equal("msg3", dead.Text());
        Assert.Equal("maxlen", Assert.Single(XDeath(dead))["reason"]);
        Assert.Equal(0, queue.MessageCount);
    }

    [Fact]
    public void Reject_publish_accepts_again_once_a_message_is_consumed()
    {
        DeclareQueue("q", ("x-max-length", 1), ("x-overflow", "reject-publish"));
        Publish("q", "1");
        Assert.True(Publish("q", "2").Rejected);

        Channel.Get("q", noAck: true);

        Assert.False(Publish("q", "3").Rejected);
        Assert.Equal(["3"], Drain("q"));
    }

    [Fact]
    public void Rejected_publish_is_reported_even_when_another_queue_accepts_the_message()
    {
        VHost.DeclareExchange("fan", "fanout", durable: true);
        DeclareQueue("full", ("x-max-length", 0), ("x-overflow", "reject-publish"));
        DeclareQueue("open");
        VHost.BindQueue("full", "fan", "");
        VHost.BindQueue("open", "fan", "");

        var result = Channel.Publish("fan", "", "m");

        Assert.True(result.Rejected);
        Assert.Equal(["m"], Drain("open"));
    }

    [Theory]
    [InlineData("drop-head")]
    [InlineData("reject-publish")]
    public void Unacked_messages_do_not_count_towards_max_length(string overflow)
    {
        var queue = DeclareQueue("q", ("x-max-length", 1), ("x-overflow", overflow));
        Publish("q", "1");
        GetOne("q");

        Assert.False(Publish("q", "2").Rejected);

        Assert.Equal(1, queue.MessageCount);
        Assert.Equal(1, queue.UnackedCount);
        Assert.Equal(["2"], Drain("q"));
    }
}
