using Tidings.Fuzz.Mqtt;

namespace Tidings.Fuzz.Tests;

/// <summary>The MQTT corpus must stay valid: a mutation fuzzer is only as deep as its seeds.</summary>
public sealed class MqttCorpusTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Sessions() => [.. MqttCorpus.Build().Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Sessions))]
    public async Task Every_corpus_session_is_accepted_and_answered_without_errors(string name)
    {
        var session = MqttCorpus.Build().Single(s => s.Name == name);
        await using var target = new MqttTarget();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var (failure, replies) = await target.RunRecordedAsync(session.ToBytes(), timeout.Token);
        string seen = string.Join(", ", replies);
        output.WriteLine(seen);
        Assert.Null(failure);
        // The broker has no enhanced authentication: a CONNECT naming a method is refused with 0x8C.
        if (name == "auth-method-5.0") Assert.Equal(["CONNACK 0x8C"], replies);
        else Assert.True(replies.Count > 0 && replies[0] == "CONNACK 0x00", seen);
    }
}
