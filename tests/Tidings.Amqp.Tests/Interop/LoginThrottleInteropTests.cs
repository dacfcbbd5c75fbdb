using System.Diagnostics;
using RabbitMQ.Client.Exceptions;
using Tidings.Core;
using Tidings.Core.Security;

namespace Tidings.Amqp.Tests.Interop;

/// <summary>Issue 10, defect 5 over AMQP: repeated failed PLAIN logins are refused as RabbitMQ refuses bad credentials, more slowly.</summary>
public sealed class LoginThrottleInteropTests
{
    private static async Task<AuthenticationFailureException> RefusedAsync(RabbitMQ.Client.ConnectionFactory factory)
    {
        var e = await Assert.ThrowsAnyAsync<Exception>(() => factory.CreateConnectionAsync().WaitAsync(RabbitMq.Timeout));
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is AuthenticationFailureException failure) return failure;
        throw new Xunit.Sdk.XunitException($"expected an authentication failure, got {e}");
    }

    [Fact]
    public async Task Repeated_wrong_passwords_get_access_refused_for_too_many_attempts_and_the_right_one_waits_too()
    {
        var options = new BrokerOptions { MemoryHighWatermarkBytes = 0 };
        options.LoginThrottling.AddressBurst = 3;
        // One token a minute: on a loaded machine the four handshakes can take over a second,
        // and at the default rate a token would refill before the fourth (CI saw it happen).
        options.LoginThrottling.AddressFailuresPerMinute = 1;
        options.LoginThrottling.RefusalDelayMilliseconds = 200;
        await using var server = await TestBrokerServer.StartAmqpAsync(brokerOptions: options);
        var wrong = RabbitMq.Factory(server, "guest", "wrong");

        for (int i = 0; i < 3; i++)
            Assert.Contains("For details see the broker logfile", (await RefusedAsync(wrong)).Message);
        var clock = Stopwatch.StartNew();
        var throttled = await RefusedAsync(wrong);
        Assert.Contains("ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN: too many failed login attempts", throttled.Message);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(180), $"refused after {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Contains("too many failed login attempts", (await RefusedAsync(RabbitMq.Factory(server, "guest", "guest"))).Message);
        Assert.Empty(server.Broker.Connections);
    }

    [Fact]
    public async Task Another_user_refused_too_often_does_not_stop_a_correct_login_once_tokens_refill()
    {
        var options = new BrokerOptions { MemoryHighWatermarkBytes = 0 };
        options.LoginThrottling.AddressBurst = 2;
        options.LoginThrottling.AddressFailuresPerMinute = 600; // a token every 100 ms
        options.LoginThrottling.RefusalDelayMilliseconds = 0;
        await using var server = await TestBrokerServer.StartAmqpAsync(brokerOptions: options);
        server.Broker.AddUser("alice", "s3cret").SetPermissions("/", VhostPermissions.All);

        await RefusedAsync(RabbitMq.Factory(server, "mallory", "x"));
        await RefusedAsync(RabbitMq.Factory(server, "mallory", "y"));
        Assert.True(server.Broker.Logins.RetryAfter("alice", new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 1)) > TimeSpan.Zero);

        await Task.Delay(250);
        await using var connection = await RabbitMq.Factory(server, "alice", "s3cret").CreateConnectionAsync().WaitAsync(RabbitMq.Timeout);
        Assert.True(connection.IsOpen);
    }
}
