using System.Collections.Concurrent;
using Tidings.Core.Messages;
using Tidings.Core.Sessions;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests;

public sealed class PublishConfirmTests : IDisposable
{
    private sealed class RecordingConfirms : IPublishConfirmSink
    {
        public readonly ConcurrentQueue<(ulong Id, bool Accepted)> Outcomes = new();
        public void Settled(ulong publishId, bool accepted) => Outcomes.Enqueue((publishId, accepted));
    }

    private readonly Broker _broker = new(new BrokerOptions { MemoryHighWatermarkBytes = 0 });

    public void Dispose() => _broker.Dispose();

    [Fact]
    public void Routed_unroutable_and_refused_publishes_are_each_settled_once_with_the_right_outcome()
    {
        var session = _broker.OpenGuestSession();
        var confirms = new RecordingConfirms();
        session.ConfirmSink = confirms;
        _broker.DefaultVirtualHost.DeclareQueue("full", arguments: TestMessages.Table(
            ("x-max-length", 1), ("x-overflow", "reject-publish")));

        session.Publish("", "full", MessageProperties.Empty, TestMessages.Body("kept"), publishId: 1);
        session.Publish("", "full", MessageProperties.Empty, TestMessages.Body("refused"), publishId: 2);
        var unroutable = session.Publish("", "nowhere", MessageProperties.Empty, TestMessages.Body("lost"), publishId: 3);

        Assert.True(unroutable.Unroutable);
        Assert.Equal([(1UL, true), (2UL, false), (3UL, true)], confirms.Outcomes.ToArray());
    }

    [Fact]
    public void Publishing_without_an_id_settles_nothing()
    {
        var session = _broker.OpenGuestSession();
        var confirms = new RecordingConfirms();
        session.ConfirmSink = confirms;
        _broker.DefaultVirtualHost.DeclareQueue("q");

        session.Publish("", "q", MessageProperties.Empty, TestMessages.Body("x"));

        Assert.Empty(confirms.Outcomes);
        Assert.Equal(1, _broker.DefaultVirtualHost.FindQueue("q")!.MessageCount);
    }
}
