using Xunit;

namespace Tidings.Testing;

/// <summary>
/// Waits for state that changes on another thread or across a socket (a connection listed, a
/// message counted), polling with a bound so a test that can never pass fails instead of hanging.
/// </summary>
public static class Eventually
{
    /// <summary>How long a condition gets unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultWithin = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test with <paramref name="because"/> after the bound.</summary>
    public static Task TrueAsync(Func<bool> condition, string because, TimeSpan? within = null) =>
        TrueAsync(() => Task.FromResult(condition()), because, within);

    /// <summary>Polls an async <paramref name="condition"/> until it holds; fails the test with <paramref name="because"/> after the bound.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string because, TimeSpan? within = null)
    {
        if (!await HoldsAsync(condition, within).ConfigureAwait(false))
            Assert.Fail($"not so within {within ?? DefaultWithin}: {because}");
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; false after the bound (for callers that report their own failure).</summary>
    public static Task<bool> HoldsAsync(Func<bool> condition, TimeSpan? within = null) =>
        HoldsAsync(() => Task.FromResult(condition()), within);

    /// <summary>Polls an async <paramref name="condition"/> until it holds; false after the bound.</summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? DefaultWithin);
        while (!await condition().ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline) return await condition().ConfigureAwait(false);
            await Task.Delay(PollEvery).ConfigureAwait(false);
        }
        return true;
    }
}
