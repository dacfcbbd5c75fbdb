using System.IO.Pipelines;

namespace Tidings.Fuzz.Mqtt;

/// <summary>
/// Reads everything the broker writes to one connection until it completes its side, keeping the
/// bytes; the health check looks at them while the connection is still open.
/// </summary>
internal sealed class MqttOutputDrain
{
    private readonly Lock _gate = new();
    private readonly List<byte> _bytes = [];

    public MqttOutputDrain(PipeReader reader) => Completion = Task.Run(() => ReadAsync(reader), CancellationToken.None);

    /// <summary>Completes when the broker completed its output.</summary>
    public Task Completion { get; }

    /// <summary>What was written so far.</summary>
    public byte[] Snapshot()
    {
        lock (_gate) return [.. _bytes];
    }

    /// <summary>Waits until the packets written so far satisfy <paramref name="done"/>; false when the output ended first.</summary>
    public async Task<bool> WaitForAsync(Func<MqttFraming.Result, bool> done, CancellationToken cancellation)
    {
        while (true)
        {
            bool ended = Completion.IsCompleted;
            if (done(MqttFraming.Split(Snapshot(), 0, fromServer: true))) return true;
            if (ended) return false;
            await Task.Delay(2, cancellation).ConfigureAwait(false);
        }
    }

    private async Task ReadAsync(PipeReader reader)
    {
        while (true)
        {
            var result = await reader.ReadAsync().ConfigureAwait(false);
            lock (_gate)
            {
                foreach (var segment in result.Buffer) _bytes.AddRange(segment.Span);
            }
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                await reader.CompleteAsync().ConfigureAwait(false);
                return;
            }
        }
    }
}
