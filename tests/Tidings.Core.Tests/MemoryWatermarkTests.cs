using Tidings.Core.Messages;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests;

public sealed class MemoryWatermarkTests
{
    private const long Limit = 200_000_000;
    private readonly ManualTimeProvider _time = new();
    private readonly ResourceAlarms _alarms = new();
    private readonly FakeProcessMemory _memory = new() { Resident = 80_000_000 };

    private MemoryWatermark Watermark(MessagePool? pool = null) => new(_time, _alarms, Limit, _memory, pool);

    [Fact]
    public void A_sample_that_fails_is_reported_instead_of_thrown_into_the_timer_and_the_next_one_carries_on()
    {
        var faults = new FaultLog();
        using var watermark = new MemoryWatermark(_time, _alarms, Limit, _memory, faults: faults);
        _memory.FailReads = true;

        // Without the guard the exception reaches the timer thread (here: the manual clock).
        _time.Advance(MemoryWatermark.SampleInterval);

        Assert.Equal(1, faults.Count);
        _memory.FailReads = false;
        _memory.Resident = Limit + 1;
        _time.Advance(MemoryWatermark.SampleInterval);
        Assert.True(_alarms.IsBlocked);
    }

    [Fact]
    public void Resident_memory_over_the_limit_raises_the_alarm_within_one_sample_interval()
    {
        using var watermark = Watermark();
        _time.Advance(MemoryWatermark.SampleInterval);
        Assert.False(_alarms.IsBlocked);

        // The managed heap may be small; what counts is what the process holds.
        _memory.Resident = Limit + 1;
        _time.Advance(MemoryWatermark.SampleInterval);

        Assert.True(_alarms.IsBlocked);
        Assert.Equal(["memory"], _alarms.Active);
    }

    [Fact]
    public void Memory_the_runtime_only_keeps_is_released_before_the_alarm_is_raised()
    {
        using var watermark = Watermark();
        // After a backlog drained: 430 MB resident, of which the GC holds 350 MB it no longer uses.
        _memory.Resident = 430_000_000;
        _memory.Reclaimable = 350_000_000;

        _time.Advance(MemoryWatermark.SampleInterval);

        Assert.Equal(1, _memory.Collections);
        Assert.False(_alarms.IsBlocked);
        Assert.Equal(80_000_000, watermark.LastResidentBytes);
    }

    [Fact]
    public void The_alarm_clears_once_a_drained_broker_gives_its_memory_back()
    {
        using var watermark = Watermark();
        _memory.Resident = 300_000_000; // queued messages: nothing to reclaim
        _time.Advance(MemoryWatermark.SampleInterval);
        Assert.True(_alarms.IsBlocked);

        // Consumers drained the queues; the runtime keeps the memory until asked.
        _memory.Reclaimable = 220_000_000;
        _time.Advance(MemoryWatermark.MaxCollectInterval + MemoryWatermark.SampleInterval);

        Assert.False(_alarms.IsBlocked);
        Assert.Equal(2, _memory.Collections);
    }

    [Fact]
    public void Collections_back_off_while_the_memory_is_really_in_use()
    {
        using var watermark = Watermark();
        _memory.Resident = 300_000_000;

        _time.Advance(TimeSpan.FromSeconds(40));

        // At 0.1 s, then 1, 2 and 4 s apart: 0.1, 1.1, 3.1, 7.1, 11.1, ... 39.1.
        Assert.Equal(12, _memory.Collections);
        Assert.True(_alarms.IsBlocked);
        Assert.True(_memory.Reads >= 399, $"sampled {_memory.Reads} times in 40 s");
    }

    [Fact]
    public void Memory_that_grows_again_ends_the_back_off()
    {
        using var watermark = Watermark();
        _memory.Resident = 300_000_000;
        _time.Advance(TimeSpan.FromSeconds(8)); // collections at 0.1, 1.1, 3.1, 7.1: the wait is now 4 s
        Assert.Equal(4, _memory.Collections);

        // Consumers draining the backlog churn through buffers: new garbage, worth collecting now.
        _memory.Resident += Limit / 4;
        _memory.Reclaimable = Limit / 2;
        _time.Advance(TimeSpan.FromSeconds(0.2));

        Assert.Equal(5, _memory.Collections);
    }

    [Fact]
    public void Near_the_limit_every_sixteenth_of_it_in_new_allocation_starts_a_background_collection()
    {
        using var watermark = Watermark();
        _memory.Allocated = Limit; // far from the limit: the GC's own schedule
        _time.Advance(MemoryWatermark.SampleInterval);
        Assert.Equal(0, _memory.BackgroundCollections);

        _memory.Resident = Limit * 9 / 10;
        _time.Advance(MemoryWatermark.SampleInterval);
        Assert.Equal(1, _memory.BackgroundCollections);

        _memory.Allocated += Limit / 32; // not enough new allocation yet
        _time.Advance(MemoryWatermark.SampleInterval);
        Assert.Equal(1, _memory.BackgroundCollections);

        _memory.Allocated += Limit / 32;
        _time.Advance(MemoryWatermark.SampleInterval);
        Assert.Equal(2, _memory.BackgroundCollections);
        Assert.False(_alarms.IsBlocked);
        Assert.Equal(0, _memory.Collections);
    }

    [Fact]
    public void Falling_under_the_limit_clears_the_alarm_at_the_next_sample_without_a_collection()
    {
        using var watermark = Watermark();
        _memory.Resident = 300_000_000;
        _time.Advance(MemoryWatermark.SampleInterval);
        Assert.True(_alarms.IsBlocked);

        _memory.Resident = Limit - 1;
        _time.Advance(MemoryWatermark.SampleInterval);

        Assert.False(_alarms.IsBlocked);
        Assert.Equal(1, _memory.Collections);
    }

    [Fact]
    public void The_watermark_never_clears_a_memory_alarm_someone_else_raised()
    {
        using var watermark = Watermark();
        _alarms.Set("memory:operator", true);

        _time.Advance(TimeSpan.FromSeconds(2));

        Assert.True(_alarms.IsBlocked);
    }

    [Fact]
    public void New_message_memory_triggers_a_sample_before_the_timer_does()
    {
        using var watermark = Watermark();
        _memory.Resident = Limit + 1;

        // No time passes: a storm of large messages is noticed from the allocation side.
        var pool = new MessagePool { Watermark = watermark };
        for (int i = 0; i < 8; i++) MessagePool.ReleasePublisherReference(pool.Rent("", "q", MessageProperties.Empty, 1024 * 1024));

        SpinWait.SpinUntil(() => _alarms.IsBlocked, TimeSpan.FromSeconds(10));
        Assert.True(_alarms.IsBlocked);
    }

    [Fact]
    public void Reused_pooled_buffers_do_not_trigger_samples()
    {
        using var watermark = Watermark();
        var pool = new MessagePool { Watermark = watermark };
        MessagePool.ReleasePublisherReference(pool.Rent("", "q", MessageProperties.Empty, 64 * 1024));
        int reads = _memory.Reads;

        for (int i = 0; i < 10_000; i++) MessagePool.ReleasePublisherReference(pool.Rent("", "q", MessageProperties.Empty, 64 * 1024));
        Thread.Sleep(200);

        Assert.Equal(reads, _memory.Reads);
    }

    [Fact]
    public void The_message_pool_drops_its_spare_buffers_before_a_collection()
    {
        var pool = new MessagePool();
        for (int i = 0; i < 10; i++) MessagePool.ReleasePublisherReference(pool.Rent("", "q", MessageProperties.Empty, 4096));
        Assert.True(pool.Available > 0);
        using var watermark = Watermark(pool);

        _memory.Resident = Limit + 1;
        _time.Advance(MemoryWatermark.SampleInterval);

        Assert.Equal(0, pool.Available);
    }
}
