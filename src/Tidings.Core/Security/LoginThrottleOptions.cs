namespace Tidings.Core.Security;

/// <summary>
/// How fast failed logins may come before <see cref="LoginThrottle"/> refuses further attempts
/// without checking the password. Each source address and each user name has a bucket of
/// <c>*Burst</c> failures that refills at <c>*FailuresPerMinute</c>; a correct login takes nothing.
/// The defaults are far above what a person mistyping a password reaches.
/// </summary>
public sealed class LoginThrottleOptions
{
    /// <summary>Failed logins from one address (IPv6: one /64) before it is throttled; 0 turns the per-address limit off.</summary>
    public int AddressBurst { get; set; } = 10;

    /// <summary>Failed logins per minute one address may sustain once its burst is spent.</summary>
    public int AddressFailuresPerMinute { get; set; } = 60;

    /// <summary>
    /// Failed logins for one user name (from any address) before it is throttled; 0 turns the
    /// per-user limit off. An address the user logged in from in the last day is not held back by it.
    /// </summary>
    public int UserBurst { get; set; } = 30;

    /// <summary>Failed logins per minute one user name may sustain once its burst is spent.</summary>
    public int UserFailuresPerMinute { get; set; } = 120;

    /// <summary>
    /// How long a refused AMQP login waits before its connection.close goes out, so a client
    /// retrying in a tight loop cannot hammer (RabbitMQ also pauses before closing a failed handshake).
    /// </summary>
    public int RefusalDelayMilliseconds { get; set; } = 1000;

    /// <summary>Most addresses, user names and trusted pairs tracked at once; past it new keys go untracked rather than refused.</summary>
    public int MaxTrackedKeys { get; set; } = 100_000;
}
