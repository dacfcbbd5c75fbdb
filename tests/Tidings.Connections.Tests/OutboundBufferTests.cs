using System.Buffers;
using System.IO.Pipelines;
using Tidings.Connections.Output;

namespace Tidings.Connections.Tests;

public sealed class OutboundBufferTests
{
    private static void Append(OutboundBuffer buffer, byte value, int count)
    {
        var writer = buffer.Enter();
        writer.GetSpan(count)[..count].Fill(value);
        writer.Advance(count);
        buffer.Exit();
    }

    private static async Task<byte[]> ReadExactlyAsync(PipeReader reader, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var result = await reader.ReadAsync(timeout.Token);
            if (result.Buffer.Length >= count)
            {
                byte[] bytes = result.Buffer.Slice(0, count).ToArray();
                reader.AdvanceTo(result.Buffer.GetPosition(count));
                return bytes;
            }
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    [Fact]
    public async Task After_seal_what_was_appended_goes_out_and_nothing_appended_later_does()
    {
        var buffer = new OutboundBuffer();
        var pipe = new Pipe();
        var writer = buffer.RunAsync(pipe.Writer);
        Append(buffer, 1, 10);
        var last = buffer.Enter();
        last.GetSpan(5)[..5].Fill(2);
        last.Advance(5);
        buffer.Seal();
        buffer.Exit();
        Append(buffer, 3, 1000);
        buffer.Complete();
        await writer;
        await pipe.Writer.CompleteAsync();
        var sent = new List<byte>();
        while (true)
        {
            var result = await pipe.Reader.ReadAsync();
            sent.AddRange(result.Buffer.ToArray());
            pipe.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) break;
        }
        Assert.Equal([.. Enumerable.Repeat((byte)1, 10), .. Enumerable.Repeat((byte)2, 5)], sent);
    }

    [Fact]
    public async Task An_idle_buffer_gives_up_its_memory_and_still_sends_what_comes_after_in_order()
    {
        var buffer = new OutboundBuffer();
        var pipe = new Pipe();
        var writer = buffer.RunAsync(pipe.Writer);
        Append(buffer, 1, 300);
        Assert.Equal(Enumerable.Repeat((byte)1, 300), await ReadExactlyAsync(pipe.Reader, 300));
        Assert.True(buffer.RetainedCapacity > 0);

        // Written to just now: kept.
        buffer.TrimIfIdle(Environment.TickCount64);
        Assert.True(buffer.RetainedCapacity > 0);

        // The reader can have the bytes before the writer loop has marked the batch sent (a trim
        // waits for that): idle is "nothing in flight", so look again until then, within a bound.
        await Eventually.TrueAsync(() =>
        {
            buffer.TrimIfIdle(Environment.TickCount64 + OutboundBuffer.IdleTrimMilliseconds);
            return buffer.RetainedCapacity == 0;
        }, "an idle buffer gives up its memory once its last batch is marked sent");

        Append(buffer, 2, 10);
        Append(buffer, 3, 5000);
        byte[] after = await ReadExactlyAsync(pipe.Reader, 5010);
        Assert.Equal(Enumerable.Repeat((byte)2, 10).Concat(Enumerable.Repeat((byte)3, 5000)), after);

        buffer.Complete();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void Frames_not_yet_sent_are_never_trimmed()
    {
        var buffer = new OutboundBuffer(); // no writer loop: what is appended stays pending
        Append(buffer, 7, 100);

        buffer.TrimIfIdle(Environment.TickCount64 + 10 * OutboundBuffer.IdleTrimMilliseconds);

        Assert.Equal(100, buffer.PendingBytes);
        Assert.True(buffer.RetainedCapacity >= 100);
    }

    [Fact]
    public async Task Abort_stops_the_writer_loop_without_sending_what_is_pending()
    {
        var buffer = new OutboundBuffer();
        var pipe = new Pipe();
        var writer = buffer.RunAsync(pipe.Writer);

        buffer.Abort();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WaitAsync(TimeSpan.FromSeconds(10)));
    }
}
