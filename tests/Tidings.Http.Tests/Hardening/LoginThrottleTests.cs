using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Tidings.Core;
using Tidings.Core.Security;
using Tidings.Http.Tests.Management;
using Xunit.Abstractions;

namespace Tidings.Http.Tests.Hardening;

/// <summary>Issue 10, defect 5: failed Basic logins slow down per address and per user; correct logins elsewhere do not.</summary>
public sealed class LoginThrottleTests(ITestOutputHelper output)
{
    /// <summary>
    /// A client whose connections leave from <paramref name="localAddress"/> (any 127.x address is
    /// loopback on Linux), so one test can be several source addresses.
    /// </summary>
    private static HttpClient ClientFrom(TestBrokerServer server, string localAddress, string user, string password)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }

    [Fact]
    public async Task Five_hundred_wrong_passwords_meet_429s_while_a_correct_login_from_another_address_passes_at_once()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var attacker = server.Client("guest", "wrong");
        int unauthorized = 0, throttled = 0;
        string? retryAfter = null;
        var clock = Stopwatch.StartNew();
        for (int batch = 0; batch < 50; batch++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => attacker.GetAsync("/api/whoami")));
            foreach (var response in responses)
            {
                using (response)
                {
                    if (response.StatusCode == HttpStatusCode.Unauthorized) unauthorized++;
                    else if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        throttled++;
                        retryAfter ??= response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString();
                        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
                    }
                    else Assert.Fail($"unexpected {(int)response.StatusCode}");
                }
            }
        }
        var storm = clock.Elapsed;
        output.WriteLine($"500 wrong passwords: {unauthorized} × 401, {throttled} × 429 in {storm.TotalMilliseconds:F0} ms; Retry-After {retryAfter} s");

        // 10 at once, then about one a second: a few more while the storm lasts.
        int allowed = LoginThrottleOptionsDefaults.AddressBurst + (int)Math.Ceiling(storm.TotalSeconds) + 2;
        Assert.True(unauthorized <= allowed, $"{unauthorized} × 401 and {throttled} × 429 in {storm.TotalSeconds:F2} s");
        Assert.Equal(500, unauthorized + throttled);
        Assert.NotNull(retryAfter);

        // The correct password from the throttled address is held back too: it could be the attacker's next guess.
        using var sameAddress = server.Client();
        Assert.Equal(HttpStatusCode.TooManyRequests, (await sameAddress.GetAsync("/api/whoami")).StatusCode);

        clock.Restart();
        using var elsewhere = ClientFrom(server, "127.0.0.2", "guest", "guest");
        await (await elsewhere.GetAsync("/api/whoami")).ExpectAsync(HttpStatusCode.OK);
        output.WriteLine($"correct login from 127.0.0.2 during the throttle: {clock.Elapsed.TotalMilliseconds:F1} ms (new connection)");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"correct login took {clock.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Guessing_one_users_password_from_many_addresses_throttles_that_user_except_where_it_logged_in_before()
    {
        var options = new BrokerOptions { MemoryHighWatermarkBytes = 0 };
        options.LoginThrottling.AddressBurst = 0; // as if every guess came from another address
        // One token a minute, so the count below cannot gain a refilled token on a slow machine.
        options.LoginThrottling.UserFailuresPerMinute = 1;
        await using var server = await TestBrokerServer.StartWithHttpAsync(options);
        server.Broker.AddUser("alice", "s3cret", ["management"]).SetPermissions("/", VhostPermissions.All);
        server.Broker.AddUser("bob", "b0b", ["management"]).SetPermissions("/", VhostPermissions.All);
        using var usual = ClientFrom(server, "127.0.0.3", "alice", "s3cret");
        await (await usual.GetAsync("/api/whoami")).ExpectAsync(HttpStatusCode.OK);

        using var attacker = server.Client("alice", "guess");
        var codes = new List<HttpStatusCode>();
        for (int i = 0; i < options.LoginThrottling.UserBurst + 5; i++)
        {
            using var response = await attacker.GetAsync("/api/whoami");
            codes.Add(response.StatusCode);
        }
        Assert.Equal(options.LoginThrottling.UserBurst, codes.Count(c => c == HttpStatusCode.Unauthorized));
        Assert.Equal(HttpStatusCode.TooManyRequests, codes[^1]);

        // Alice from where she logged in before, and another user from the attacker's address, are not slowed.
        await (await usual.GetAsync("/api/whoami")).ExpectAsync(HttpStatusCode.OK);
        using var bob = server.Client("bob", "b0b");
        await (await bob.GetAsync("/api/whoami")).ExpectAsync(HttpStatusCode.OK);
        // A new address for alice waits, like the guesser.
        using var fresh = ClientFrom(server, "127.0.0.4", "alice", "s3cret");
        await (await fresh.GetAsync("/api/whoami")).ExpectAsync(HttpStatusCode.TooManyRequests, "too_many_requests");
    }

    /// <summary>The shipped defaults, read from a fresh options object so the test follows them.</summary>
    private static class LoginThrottleOptionsDefaults
    {
        public static int AddressBurst { get; } = new LoginThrottleOptions().AddressBurst;
    }
}
