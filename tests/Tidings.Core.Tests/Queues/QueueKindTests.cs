using Tidings.Core.Queues;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Queues;

/// <summary>x-queue-type picks a queue's kind; classic and stream exist, and other kinds are refused as RabbitMQ refuses unknown ones.</summary>
public sealed class QueueKindTests : IDisposable
{
    /// <summary>The broker every case in this class uses.</summary>
    private readonly Broker _broker = new(new BrokerOptions(), new ManualTimeProvider());

    private VirtualHost VHost => _broker.DefaultVirtualHost;

    public void Dispose() => _broker.Dispose();

    [Fact]
    public void Queue_declared_without_x_queue_type_is_a_classic_queue()
    {
        VHost.DeclareQueue("q");

        var queue = VHost.FindQueue("q")!;
        Assert.Equal("classic", queue.Kind);
        Assert.IsType<MessageQueue>(queue);
    }

    [Fact]
    public void Queue_declared_with_x_queue_type_classic_is_a_classic_queue()
    {
        VHost.DeclareQueue("q", arguments: TestMessages.Table(("x-queue-type", "classic")));

        Assert.Equal("classic", VHost.FindQueue("q")!.Kind);
    }

    [Fact]
    public void Queue_declared_with_x_queue_type_stream_is_a_stream()
    {
        VHost.DeclareQueue("s", durable: true, arguments: TestMessages.Table(("x-queue-type", "stream")));

        var queue = VHost.FindQueue("s")!;
        Assert.Equal("stream", queue.Kind);
        Assert.IsType<StreamQueue>(queue);
    }

    [Theory]
    [InlineData("no-such-kind")]
    [InlineData("quorum")]
    public void Unknown_x_queue_type_is_refused_with_precondition_failed_and_nothing_is_created(string kind)
    {
        var error = Assert.Throws<BrokerException>(() =>
            VHost.DeclareQueue("q", arguments: TestMessages.Table(("x-queue-type", kind))));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.StartsWith("invalid arg 'x-queue-type' for queue 'q' in vhost '/'", error.Message);
        Assert.Null(VHost.FindQueue("q"));
    }

    [Fact]
    public void X_queue_type_that_is_not_text_is_refused()
    {
        var error = Assert.Throws<BrokerException>(() =>
            VHost.DeclareQueue("q", arguments: TestMessages.Table(("x-queue-type", 7))));

        Assert.Equal(BrokerError.PreconditionFailed, error.Error);
        Assert.Contains("x-queue-type", error.Message);
    }
}
