using System.Net;
using Tidings.Core.Security;
using Tidings.Core.Tests.Support;

namespace Tidings.Core.Tests.Security;

public sealed class LoginThrottleTests
{
    private static readonly IPEndPoint Attacker = new(IPAddress.Parse("203.0.113.7"), 40000);
    private static readonly IPEndPoint Other = new(IPAddress.Parse("198.51.100.9"), 40001);

    private static (Broker Broker, ManualTimeProvider Clock) NewBroker(Action<LoginThrottleOptions>? configure = null)
    {
        var options = new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 0, LoopbackUsers = [] };
        configure?.Invoke(options.LoginThrottling);
        var clock = new ManualTimeProvider();
        var broker = new Broker(options, clock);
        broker.AddUser("alice", "s3cret");
        return (broker, clock);
    }

    private static AuthenticationFailure Try(Broker broker, string user, string password, EndPoint? remote)
    {
        broker.Authenticate(user, password, remote, out var failure);
        return failure;
    }

    [Fact]
    public void Failures_past_the_burst_are_throttled_without_checking_the_password_until_a_token_refills()
    {
        var (broker, clock) = NewBroker();
        using var _ = broker;
        for (int i = 0; i < 10; i++) Assert.Equal(AuthenticationFailure.BadCredentials, Try(broker, "alice", "guess", Attacker));

        Assert.Equal(AuthenticationFailure.Throttled, Try(broker, "alice", "guess", Attacker));
        Assert.Equal(AuthenticationFailure.Throttled, Try(broker, "alice", "s3cret", Attacker)); // the right password is a guess too
        Assert.Equal(TimeSpan.FromSeconds(1), broker.Logins.RetryAfter("alice", Attacker));

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AuthenticationFailure.None, Try(broker, "alice", "s3cret", Attacker));
        clock.Advance(TimeSpan.FromSeconds(1)); // two tokens now: two more guesses
        Assert.Equal(AuthenticationFailure.BadCredentials, Try(broker, "alice", "guess", Attacker));
        Assert.Equal(AuthenticationFailure.BadCredentials, Try(broker, "alice", "guess", Attacker));
        Assert.Equal(AuthenticationFailure.Throttled, Try(broker, "alice", "guess", Attacker));
    }

    [Fact]
    public void Correct_logins_take_no_tokens_and_other_addresses_are_not_slowed()
    {
        var (broker, _) = NewBroker();
        using var __ = broker;
        for (int i = 0; i < 1000; i++) Assert.Equal(AuthenticationFailure.None, Try(broker, "alice", "s3cret", Attacker));
        for (int i = 0; i < 20; i++) Try(broker, "nobody", "guess", Attacker);

        Assert.Equal(AuthenticationFailure.Throttled, Try(broker, "alice", "s3cret", Attacker));
        Assert.Equal(AuthenticationFailure.None, Try(broker, "alice", "s3cret", Other));
        Assert.Equal(AuthenticationFailure.None, Try(broker, "alice", "s3cret", remote: null)); // in-process callers have no address
    }

    [Fact]
    public void A_user_guessed_from_many_addresses_is_throttled_except_from_where_it_logged_in()
    {
        var (broker, clock) = NewBroker(o => o.UserBurst = 5);
        using var _ = broker;
        Assert.Equal(AuthenticationFailure.None, Try(broker, "alice", "s3cret", Other));
        for (int i = 0; i < 5; i++)
            Assert.Equal(AuthenticationFailure.BadCredentials, Try(broker, "alice", "guess", new IPEndPoint(IPAddress.Parse($"192.0.2.{i + 1}"), 1)));

        Assert.Equal(AuthenticationFailure.Throttled, Try(broker, "alice", "guess", new IPEndPoint(IPAddress.Parse("192.0.2.100"), 1)));
        Assert.Equal(AuthenticationFailure.Throttled, Try(broker, "alice", "s3cret", Attacker));
        Assert.Equal(AuthenticationFailure.None, Try(broker, "alice", "s3cret", Other));

        clock.Advance(TimeSpan.FromSeconds(0.5)); // 120 per minute
        Assert.Equal(AuthenticationFailure.None, Try(broker, "alice", "s3cret", Attacker));
    }

    [Fact]
    public void Ipv6_addresses_of_one_64_share_a_bucket_and_mapped_ipv4_is_ipv4()
    {
        var (broker, _) = NewBroker(o => o.AddressBurst = 2);
        using var __ = broker;
        Try(broker, "a", "x", new IPEndPoint(IPAddress.Parse("2001:db8:1:2::1"), 1));
        Try(broker, "b", "x", new IPEndPoint(IPAddress.Parse("2001:db8:1:2:ffff::9"), 1));
        Assert.Equal(AuthenticationFailure.Throttled, Try(broker, "alice", "s3cret", new IPEndPoint(IPAddress.Parse("2001:db8:1:2::77"), 1)));
        Assert.Equal(AuthenticationFailure.None, Try(broker, "alice", "s3cret", new IPEndPoint(IPAddress.Parse("2001:db8:1:3::1"), 1)));

        Try(broker, "a", "x", new IPEndPoint(IPAddress.Parse("::ffff:203.0.113.7"), 1));
        Try(broker, "b", "x", Attacker);
        Assert.Equal(AuthenticationFailure.Throttled, Try(broker, "alice", "s3cret", Attacker));
    }

    [Fact]
    public void Buckets_of_keys_that_stopped_failing_are_dropped_and_the_table_is_bounded()
    {
        var (broker, clock) = NewBroker(o => o.MaxTrackedKeys = 100);
        using var _ = broker;
        for (int i = 0; i < 500; i++)
            Try(broker, $"user{i}", "x", new IPEndPoint(new IPAddress([10, 0, (byte)(i / 256), (byte)i]), 1));
        Assert.True(broker.Logins.TrackedKeys <= 200, $"{broker.Logins.TrackedKeys} keys");
        // Huge names share one bucket.
        Try(broker, new string('n', 100_000), "x", remote: null);
        Try(broker, new string('m', 100_000), "x", remote: null);

        clock.Advance(TimeSpan.FromMinutes(1));
        broker.Logins.RetryAfter("alice", Other); // a sweep runs on the next login after the interval
        Assert.Equal(0, broker.Logins.TrackedKeys);
    }

    [Fact]
    public void Zero_bursts_turn_the_throttle_off()
    {
        var (broker, _) = NewBroker(o => (o.AddressBurst, o.UserBurst) = (0, 0));
        using var __ = broker;
        for (int i = 0; i < 100; i++) Assert.Equal(AuthenticationFailure.BadCredentials, Try(broker, "alice", "guess", Attacker));
        Assert.Equal(AuthenticationFailure.None, Try(broker, "alice", "s3cret", Attacker));
        Assert.Equal(0, broker.Logins.TrackedKeys);
    }

    [Fact]
    public void A_refused_loopback_only_login_counts_as_a_failure()
    {
        var options = new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 0 };
        options.LoginThrottling.AddressBurst = 1;
        using var broker = new Broker(options, new ManualTimeProvider());

        Assert.Equal(AuthenticationFailure.LoopbackOnly, Try(broker, "guest", "guest", Attacker));
        Assert.Equal(AuthenticationFailure.Throttled, Try(broker, "guest", "guest", Attacker));
    }
}
