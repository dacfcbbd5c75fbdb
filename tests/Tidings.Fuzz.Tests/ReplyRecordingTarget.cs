using Tidings.Core;
using Tidings.Amqp.Protocol;
using Tidings.Fuzz.Amqp;

namespace Tidings.Fuzz.Tests;

/// <summary>The AMQP target with access to the server's replies of one connection.</summary>
internal sealed class ReplyRecordingTarget : AmqpTarget
{
    private readonly Broker _broker;

    public ReplyRecordingTarget() => _broker = NewBroker();

    public async Task<(Failure? Failure, List<AmqpMethodId> Replies)> RunAsync(byte[] input)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (failure, output) = await RunConnectionAsync(_broker, input, timeout.Token);
        return (failure, [.. output.Where(f => f.Type == FrameType.Method).Select(f => f.Method)]);
    }
}
