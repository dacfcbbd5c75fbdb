using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.QueueSemantics;

/// <summary>basic.get: pulling one message, with or without ack.</summary>
public abstract partial class QueueSemanticsTests
{
    [Fact]
    public void Get_with_ack_hands_out_the_head_and_reports_the_messages_remaining()
    {
        var queue = DeclareQueue("q");
        foreach (var body in new[] { "1", "2", "3" }) Publish("q", body);

        var got = GetOne("q");

        Assert.Equal("1", got.Message.Text());
        Assert.Equal(2, got.MessagesRemaining);
        Assert.False(got.Redelivered);
        Assert.Equal("q", got.QueueName);
        Assert.Equal(2, queue.MessageCount);
        Assert.Equal(1, queue.UnackedCount);

        Channel.Ack(got.DeliveryTag, multiple: false);
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(1, GetOne("q").MessagesRemaining);
    }

    [Fact]
    public void Get_without_ack_removes_the_message_at_once()
    {
        var queue = DeclareQueue("q");
        Publish("q", "m");

        var got = Channel.Get("q", noAck: true)!;

        Assert.Equal("m", got.Message.Text());
        Assert.Equal(0, got.MessagesRemaining);
        Assert.Equal(0, queue.MessageCount);
        Assert.Equal(0, queue.UnackedCount);
        Assert.Equal(BrokerError.PreconditionFailed,
            Assert.Throws<BrokerException>(() => Channel.Ack(got.DeliveryTag, multiple: false)).Error);
    }

    [Fact]
    public void Get_on_an_empty_queue_returns_nothing()
    {
        DeclareQueue("q");

        Assert.Null(Channel.Get("q", noAck: false));
        Assert.Equal(0, Channel.UnackedCount);
    }

    [Fact]
    public void Get_from_a_missing_queue_fails_with_not_found()
    {
        var error = Assert.Throws<BrokerException>(() => Channel.Get("missing", noAck: true));
        Assert.Equal(BrokerError.NotFound, error.Error);
    }
}
