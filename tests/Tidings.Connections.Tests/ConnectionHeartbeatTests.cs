using Tidings.Connections.Heartbeats;
using Tidings.Core;

namespace Tidings.Connections.Tests;

public sealed class ConnectionHeartbeatTests
{
    private sealed class Checked(bool throws) : IHeartbeatChecked
    {
        public int Checks;
        public long LastNow = -1;
        public Exception? Failed;

        public string Description => throws ? "bad connection" : "good connection";

        public void CheckHeartbeat(long now)
        {
            Checks++;
            LastNow = now;
            if (throws) throw new InvalidOperationException("one connection's bug");
        }

        public void HeartbeatFailed(Exception error) => Failed = error;
    }

    [Fact]
    public void A_connection_whose_check_throws_is_reported_and_dropped_alone_and_the_tick_goes_on_for_the_others()
    {
        // Without the guard the exception ends the timer callback: on a thread-pool timer that
        // ends the process, and the tick is never re-armed for anyone.
        var clock = new ManualTimeProvider(timestampsFollowClock: true);
        var faults = new FaultLog();
        var reports = new List<string>();
        faults.Reported += (where, _) => reports.Add(where);
        using var heartbeat = new ConnectionHeartbeat(clock, faults);
        var bad = new Checked(throws: true);
        var good = new Checked(throws: false);
        heartbeat.Add(bad);
        heartbeat.Add(good);

        clock.Advance(TimeSpan.FromSeconds(2));

        Assert.IsType<InvalidOperationException>(bad.Failed);
        Assert.Equal(["bad connection: heartbeat check"], reports);
        Assert.Equal(1, bad.Checks);
        Assert.Equal(4, good.Checks);
        Assert.Equal(1, heartbeat.Count);
    }

    [Fact]
    public void One_timer_on_the_brokers_clock_checks_every_connection_with_that_clocks_time()
    {
        var clock = new ManualTimeProvider(timestampsFollowClock: true);
        using var heartbeat = new ConnectionHeartbeat(clock, new FaultLog());
        var connections = Enumerable.Range(0, 100).Select(_ => new Checked(throws: false)).ToList();
        foreach (var c in connections) heartbeat.Add(c);

        clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.All(connections, c => Assert.Equal(0, c.Checks));
        Assert.Equal(0, heartbeat.Now);

        clock.Advance(TimeSpan.FromMilliseconds(1001));
        Assert.All(connections, c => Assert.Equal(3, c.Checks));
        Assert.All(connections, c => Assert.Equal(1500, c.LastNow));
        Assert.Equal(1500, heartbeat.Now);

        heartbeat.Remove(connections[0]);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(3, connections[0].Checks);
        Assert.Equal(4, connections[1].Checks);
    }

    [Fact]
    public void A_disposed_heartbeat_ticks_no_more()
    {
        var clock = new ManualTimeProvider(timestampsFollowClock: true);
        var heartbeat = new ConnectionHeartbeat(clock, new FaultLog());
        var connection = new Checked(throws: false);
        heartbeat.Add(connection);
        clock.Advance(TimeSpan.FromSeconds(1));
        heartbeat.Dispose();

        clock.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(2, connection.Checks);
    }
}
