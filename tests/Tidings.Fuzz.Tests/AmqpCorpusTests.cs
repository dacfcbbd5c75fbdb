using Tidings.Amqp.Protocol;
using Tidings.Fuzz.Amqp;

namespace Tidings.Fuzz.Tests;

/// <summary>The AMQP corpus must stay valid: a mutation fuzzer is only as deep as its seeds.</summary>
public sealed class AmqpCorpusTests
{
    public static TheoryData<string> Sessions() => [.. AmqpCorpus.Build().Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Sessions))]
    public async Task Every_corpus_session_runs_to_a_clean_close_without_errors(string name)
    {
        var session = AmqpCorpus.Build().Single(s => s.Name == name);
        await using var target = new ReplyRecordingTarget();
        var (failure, replies) = await target.RunAsync(session.ToBytes());
        Assert.Null(failure);
        string seen = string.Join(", ", replies);
        Assert.False(replies.Contains(AmqpMethodId.ChannelClose), seen);
        Assert.True(replies[^1] == AmqpMethodId.ConnectionCloseOk, seen);
        Assert.False(replies.Contains(AmqpMethodId.ConnectionClose), seen);
    }
}
