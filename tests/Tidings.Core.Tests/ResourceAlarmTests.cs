using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests;

public sealed class ResourceAlarmTests
{
    [Fact]
    public void The_disk_watermark_never_clears_an_alarm_someone_else_raised()
    {
        var time = new ManualTimeProvider();
        using var broker = new Broker(new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 1, DataDirectory = Path.GetTempPath() }, time);

        broker.Alarms.Set("disk", true);
        time.Advance(TimeSpan.FromSeconds(5)); // the watermark samples plenty of free space meanwhile

        Assert.True(broker.Alarms.IsBlocked);
        Assert.Equal(["disk"], broker.Alarms.Active);
    }

    [Fact]
    public void Two_sources_of_a_disk_alarm_show_as_one_resource_and_both_must_clear()
    {
        var alarms = new ResourceAlarms();
        alarms.Set("disk", true);
        alarms.Set("disk:store", true);

        Assert.Equal(["disk"], alarms.Active);
        Assert.Equal("low on disk", alarms.Reason);
        alarms.Set("disk", false);
        Assert.True(alarms.IsBlocked);
        alarms.Set("disk:store", false);
        Assert.False(alarms.IsBlocked);
    }
}
