using Tidings.Amqp.Connection;

namespace Tidings.Amqp.Tests.Connection;

public sealed class HeartbeatMonitorTests
{
    private sealed class Checked(bool throws) : IHeartbeatChecked
    {
        public int Checks;
        public readonly TaskCompletionSource<Exception> Failed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void CheckHeartbeat(long now)
        {
            Interlocked.Increment(ref Checks);
            if (throws) throw new InvalidOperationException("one connection's bug");
        }

        public void HeartbeatFailed(Exception error) => Failed.TrySetResult(error);
    }

    [Fact]
    public async Task A_connection_whose_check_throws_is_dropped_alone_and_the_tick_goes_on_for_the_others()
    {
        // Without the guard the exception ends the timer callback: on a thread-pool timer that
        // ends the process, and the tick is never re-armed for anyone.
        using var monitor = new HeartbeatMonitor();
        var bad = new Checked(throws: true);
        var good = new Checked(throws: false);
        monitor.Add(bad);
        monitor.Add(good);

        var error = await bad.Failed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.IsType<InvalidOperationException>(error);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref good.Checks) < 3 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Assert.True(good.Checks >= 3, $"the good connection was checked {good.Checks} times");
    }
}
