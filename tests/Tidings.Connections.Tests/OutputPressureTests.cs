using System.IO.Pipelines;
using Tidings.Connections.Flow;
using Tidings.Connections.Output;

namespace Tidings.Connections.Tests;

public sealed class OutputPressureTests
{
    private sealed class RecordingFlow : IDeliveryFlow
    {
        public int Pauses;
        public int Resumes;
        /// <summary>Thread that ran the last resume.</summary>
        public int ResumedOnThread;
        public readonly TaskCompletionSource Resumed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void PauseDeliveries() => Interlocked.Increment(ref Pauses);

        public void ResumeDeliveries()
        {
            ResumedOnThread = Environment.CurrentManagedThreadId;
            Interlocked.Increment(ref Resumes);
            Resumed.TrySetResult();
        }
    }

    private static void Append(OutboundBuffer buffer, int count)
    {
        var writer = buffer.Enter();
        writer.GetSpan(count)[..count].Fill(1);
        writer.Advance(count);
        buffer.Exit();
    }

    [Fact]
    public async Task Crossing_the_limit_pauses_at_once_and_the_writer_loop_resumes_not_the_caller()
    {
        var buffer = new OutboundBuffer();
        var flow = new RecordingFlow();
        var pressure = new OutputPressure(buffer, 1000, flow);
        var pipe = new Pipe();

        Append(buffer, 1500);
        pressure.Check();
        Assert.True(pressure.IsCongested);
        Assert.Equal(1, flow.Pauses);
        // No writer loop yet: nothing may resume, however long we wait.
        await Task.Delay(100);
        Assert.Equal(0, flow.Resumes);

        var writer = buffer.RunAsync(pipe.Writer);
        await flow.Resumed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(pressure.IsCongested);
        Assert.Equal(1, flow.Resumes);

        buffer.Complete();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_pause_after_the_writer_already_sent_everything_is_resumed_by_the_writer_not_inline()
    {
        // The race the old code resumed inline for: the batch is on the socket before the pause.
        var buffer = new OutboundBuffer();
        var flow = new RecordingFlow();
        var pressure = new OutputPressure(buffer, 1000, flow);
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        var writer = buffer.RunAsync(pipe.Writer);
        Append(buffer, 1500);
        while (buffer.PendingBytes > 0) await Task.Delay(5);

        // Below the limit now: Check does nothing, as after a drained batch.
        pressure.Check();
        Assert.False(pressure.IsCongested);

        // Over the limit with the writer blocked in a lock we hold: the pause must not wait for
        // it, and the resume must come from the writer loop once we let go.
        var gate = new Lock();
        bool resumedInsideCheck;
        lock (gate)
        {
            Append(buffer, 1500);
            pressure.Check();
            resumedInsideCheck = flow.Resumes > 0 && flow.ResumedOnThread == Environment.CurrentManagedThreadId;
        }
        Assert.False(resumedInsideCheck);
        Assert.Equal(1, flow.Pauses);
        await flow.Resumed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(pressure.IsCongested);

        buffer.Complete();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Deliveries_stay_paused_while_more_than_half_the_limit_waits()
    {
        var buffer = new OutboundBuffer();
        var flow = new RecordingFlow();
        var pressure = new OutputPressure(buffer, 1000, flow);
        Append(buffer, 1500);
        pressure.Check();

        // A drained check with 1500 bytes still pending (no writer has taken them): stays paused.
        buffer.RequestDrainedCheck();
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
        var writer = buffer.RunAsync(pipe.Writer);
        // The pipe accepts the batch but the flush waits for a reader: the bytes count as in flight.
        await Task.Delay(200);
        Assert.True(pressure.IsCongested);
        Assert.Equal(0, flow.Resumes);

        // The reader takes them: the flush completes, the writer drains, deliveries resume.
        var read = await pipe.Reader.ReadAsync();
        pipe.Reader.AdvanceTo(read.Buffer.End);
        await flow.Resumed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, flow.Resumes);

        buffer.Complete();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
