namespace Tidings.Fuzz.Http;

/// <summary>
/// The logging-queue API (/logqueue): every operation with mutated JSON bodies and paths. The
/// ids in the seeds are the first ones each new host hands out (a producer and a consumer of
/// topic fz.t, registered in <see cref="PrepareAsync"/>), so mutations reach produce, consume
/// and size with live ids as well as unknown ones. Every answer must be JSON and never a 5xx.
/// </summary>
internal sealed class LogQueueTarget : HttpTarget
{
    private static readonly HttpSeed[] AllSeeds =
    [
        new("POST", "logqueue/topics", """{"name":"fz.new"}"""),
        new("GET", "logqueue/topics", null),
        new("POST", "logqueue/producer/register", """{"topic":"fz.t"}"""),
        new("POST", "logqueue/consumer/register", """{"topic":"fz.t"}"""),
        new("POST", "logqueue/producer/produce", """{"topic":"fz.t","producer_id":1,"message":"line \u00e9 1"}"""),
        new("GET", "logqueue/consumer/consume", """{"topic":"fz.t","consumer_id":2}"""),
        new("GET", "logqueue/size", """{"topic":"fz.t","consumer_id":2}"""),
        new("GET", "logqueue/consumer/consume?topic=fz.t&consumer_id=2", null),
        new("POST", "logqueue/producer/produce?topic=fz.t&producer_id=1&message=q", null),
    ];

    public override string Name => "logqueue";

    protected override IReadOnlyList<HttpSeed> Seeds => AllSeeds;

    protected override async Task PrepareAsync(HttpHost host, CancellationToken cancellation)
    {
        // Ids 1 (producer, creating the topic) and 2 (consumer) on a fresh host.
        await host.RequireAsync("POST", "/logqueue/producer/register", """{"topic":"fz.t"}""", cancellation).ConfigureAwait(false);
        await host.RequireAsync("POST", "/logqueue/consumer/register", """{"topic":"fz.t"}""", cancellation).ConfigureAwait(false);
    }
}
