using Tidings.Core;

namespace Tidings.Fuzz;

/// <summary>
/// The broker settings every target runs with. No alarms (the machine's memory and disk are not
/// under test) and no login throttling: mutated credentials fail often, and with the throttle on
/// the broker soon refused every login (after its refusal delay), so the fuzzer would stop
/// reaching anything past the handshake. The throttle has its own tests.
/// </summary>
internal static class FuzzBrokerOptions
{
    public static BrokerOptions Create()
    {
        var options = new BrokerOptions { MemoryHighWatermarkBytes = 0, DiskFreeLimitBytes = 0 };
        options.LoginThrottling.AddressBurst = 0;
        options.LoginThrottling.UserBurst = 0;
        options.LoginThrottling.RefusalDelayMilliseconds = 0;
        return options;
    }
}
