using System.Net;
using System.Net.Sockets;

namespace Tidings.Core.Security;

/// <summary>
/// Slows password guessing for every protocol at once: <see cref="Broker.Authenticate"/> asks it
/// before checking a password and tells it about each failure. Failures take a token from the
/// bucket of the source address and of the user name; when either bucket is empty the attempt is
/// refused unread until it refills. Correct logins take nothing, so users and addresses that are
/// not failing are never slowed. A (user, address) pair that logged in recently is exempt from the
/// user's bucket, so guessing a user's password from elsewhere does not lock that user out.
/// </summary>
/// <remarks>
/// A hand-written token bucket rather than System.Threading.RateLimiting: the core depends on the
/// BCL only, the buckets must follow the broker's <see cref="TimeProvider"/> (tests use a manual
/// clock; RateLimiting's limiters replenish on their own timers), and a login must be able to ask
/// "is there a token?" without taking one. Buckets refill lazily from timestamps; a full bucket
/// is the same as none, so a periodic sweep drops them and memory stays bounded by the attackers' rate.
/// </remarks>
public sealed class LoginThrottle
{
    /// <summary>How long a successful (user, address) pair stays exempt from the user's bucket.</summary>
    private static readonly TimeSpan TrustDuration = TimeSpan.FromDays(1);

    /// <summary>How often, at most, buckets that refilled and stale trusted pairs are dropped.</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(10);

    /// <summary>User names longer than this share one bucket, so huge names cannot fill memory (no real user has one).</summary>
    private const int MaxUserKeyLength = 255;

    private const string OverlongUserKey = "\0overlong";

    private readonly LoginThrottleOptions _options;
    private readonly TimeProvider _time;
    /// <summary>Guards every field below; held for a few dictionary operations only.</summary>
    private readonly Lock _lock = new();
    /// <summary>Buckets of addresses that failed recently (IPv4, or the /64 of IPv6).</summary>
    private readonly Dictionary<IPAddress, Bucket> _addresses = [];
    /// <summary>Buckets of user names that failed recently.</summary>
    private readonly Dictionary<string, Bucket> _users = new(StringComparer.Ordinal);
    /// <summary>When each (user, address) pair last logged in successfully.</summary>
    private readonly Dictionary<(string User, IPAddress Address), long> _trusted = [];
    /// <summary>UTC ticks of the last sweep.</summary>
    private long _lastSweep;

    /// <summary>A token bucket: tokens left at <see cref="UpdatedTicks"/>.</summary>
    private sealed class Bucket(double tokens, long updatedTicks)
    {
        public double Tokens = tokens;
        public long UpdatedTicks = updatedTicks;
    }

    public LoginThrottle(LoginThrottleOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _lastSweep = time.GetUtcNow().UtcTicks;
    }

    /// <summary>
    /// Zero when an attempt for <paramref name="user"/> from <paramref name="remote"/> may check its
    /// password; otherwise how long until it may (the HTTP Retry-After).
    /// </summary>
    public TimeSpan RetryAfter(string user, EndPoint? remote)
    {
        var address = AddressKey(remote);
        string userKey = UserKey(user);
        lock (_lock)
        {
            long now = Now();
            SweepIfDue(now);
            var wait = TimeSpan.Zero;
            if (address is not null && _options.AddressBurst > 0 && _addresses.TryGetValue(address, out var a))
                wait = Max(wait, Wait(a, now, _options.AddressBurst, _options.AddressFailuresPerMinute));
            if (_options.UserBurst > 0 && !IsTrusted(userKey, address, now) && _users.TryGetValue(userKey, out var u))
                wait = Max(wait, Wait(u, now, _options.UserBurst, _options.UserFailuresPerMinute));
            return wait;
        }
    }

    /// <summary>Records a refused login (wrong password, unknown user, refused address): one token from each bucket.</summary>
    public void Failed(string user, EndPoint? remote)
    {
        var address = AddressKey(remote);
        string userKey = UserKey(user);
        lock (_lock)
        {
            long now = Now();
            if (address is not null && _options.AddressBurst > 0)
                Take(_addresses, address, now, _options.AddressBurst, _options.AddressFailuresPerMinute);
            if (_options.UserBurst > 0 && !IsTrusted(userKey, address, now))
                Take(_users, userKey, now, _options.UserBurst, _options.UserFailuresPerMinute);
        }
    }

    /// <summary>Records a correct login: the pair becomes trusted for the user's bucket.</summary>
    public void Succeeded(string user, EndPoint? remote)
    {
        if (_options.UserBurst <= 0 || AddressKey(remote) is not { } address) return;
        string userKey = UserKey(user);
        lock (_lock)
        {
            var key = (userKey, address);
            if (_trusted.Count >= _options.MaxTrackedKeys && !_trusted.ContainsKey(key)) return;
            _trusted[key] = Now();
        }
    }

    /// <summary>How many buckets and trusted pairs are held (for tests of the memory bound).</summary>
    public int TrackedKeys
    {
        get { lock (_lock) return _addresses.Count + _users.Count + _trusted.Count; }
    }

    private long Now() => _time.GetUtcNow().UtcTicks;

    // Requires _lock.
    private bool IsTrusted(string user, IPAddress? address, long now) =>
        address is not null && _trusted.TryGetValue((user, address), out long at) && now - at < TrustDuration.Ticks;

    // Requires _lock.
    private void Take<TKey>(Dictionary<TKey, Bucket> buckets, TKey key, long now, int burst, int perMinute)
        where TKey : notnull
    {
        if (buckets.TryGetValue(key, out var bucket))
        {
            Refill(bucket, now, burst, perMinute);
            bucket.Tokens = Math.Max(0, bucket.Tokens - 1);
            return;
        }
        if (buckets.Count >= _options.MaxTrackedKeys)
        {
            Sweep(now);
            // Refusing untracked keys would let an attacker lock everyone out by filling the table.
            if (buckets.Count >= _options.MaxTrackedKeys) return;
        }
        buckets[key] = new Bucket(burst - 1, now);
    }

    private static void Refill(Bucket bucket, long now, int burst, int perMinute)
    {
        if (now <= bucket.UpdatedTicks) return;
        double refilled = (now - bucket.UpdatedTicks) * (double)Math.Max(perMinute, 0) / TimeSpan.TicksPerMinute;
        bucket.Tokens = Math.Min(burst, bucket.Tokens + refilled);
        bucket.UpdatedTicks = now;
    }

    private static TimeSpan Wait(Bucket bucket, long now, int burst, int perMinute)
    {
        Refill(bucket, now, burst, perMinute);
        if (bucket.Tokens >= 1) return TimeSpan.Zero;
        if (perMinute <= 0) return TimeSpan.MaxValue;
        return TimeSpan.FromTicks((long)Math.Ceiling((1 - bucket.Tokens) * TimeSpan.TicksPerMinute / perMinute));
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // Requires _lock.
    private void SweepIfDue(long now)
    {
        if (now - _lastSweep >= SweepInterval.Ticks) Sweep(now);
    }

    // Requires _lock. A bucket that has refilled holds no information; a stale pair is no longer trusted.
    private void Sweep(long now)
    {
        _lastSweep = now;
        RemoveFull(_addresses, now, _options.AddressBurst, _options.AddressFailuresPerMinute);
        RemoveFull(_users, now, _options.UserBurst, _options.UserFailuresPerMinute);
        foreach (var (key, at) in _trusted)
            if (now - at >= TrustDuration.Ticks) _trusted.Remove(key);
    }

    private static void RemoveFull<TKey>(Dictionary<TKey, Bucket> buckets, long now, int burst, int perMinute)
        where TKey : notnull
    {
        foreach (var (key, bucket) in buckets)
        {
            Refill(bucket, now, burst, perMinute);
            if (bucket.Tokens >= burst) buckets.Remove(key);
        }
    }

    private static string UserKey(string user) => user.Length <= MaxUserKeyLength ? user : OverlongUserKey;

    /// <summary>
    /// The address a bucket is kept for: IPv4 as is (IPv4-mapped IPv6 too), IPv6 cut to its /64,
    /// since one host commonly holds a whole /64. Null for in-process callers without an address.
    /// </summary>
    internal static IPAddress? AddressKey(EndPoint? remote)
    {
        if (remote is not IPEndPoint { Address: var address }) return null;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }
}
