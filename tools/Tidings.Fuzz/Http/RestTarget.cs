using System.Text.Json;

namespace Tidings.Fuzz.Http;

/// <summary>
/// The REST messaging API (/api/rest): publish, get and the lease settle endpoints, with
/// mutated JSON. A "{lease}" in a seed's path becomes a live lease (a manual-ack get of one
/// message) when the request runs, so ack and nack reach their handlers. A get may wait up to
/// MessagingLimits.MaxWaitMs by design, so this target's iteration timeout must be longer.
/// </summary>
internal sealed class RestTarget : HttpTarget
{
    private static readonly HttpSeed[] AllSeeds =
    [
        new("POST", "api/rest/vhosts/%2F/exchanges/fz.x/publish", """{"routing_key":"a.b","payload":"hello","payload_encoding":"string","properties":{"content_type":"text/plain","delivery_mode":2,"priority":2,"headers":{"n":1,"s":"v","l":[1,2],"t":{"x":true}},"expiration":"60000","message_id":"m","correlation_id":"c","timestamp":1700000000},"mandatory":true}"""),
        new("POST", "api/rest/vhosts/%2F/exchanges/amq.default/publish", """{"routing_key":"fz.q","payload":{"k":[1,2,{"z":null}]},"payload_encoding":"json"}"""),
        new("POST", "api/rest/vhosts/%2F/exchanges/amq.default/publish", """{"routing_key":"fz.q","payload":"AAEC","payload_encoding":"base64"}"""),
        new("POST", "api/rest/vhosts/%2F/queues/fz.q/get", """{"count":3,"wait_ms":0,"ack":"manual","lease_ms":60000}"""),
        new("POST", "api/rest/vhosts/%2F/queues/fz.q/get", """{"count":1,"ack":"auto"}"""),
        new("POST", "api/rest/leases/{lease}/ack", """{"delivery_tag":1,"multiple":false}"""),
        new("POST", "api/rest/leases/{lease}/nack", """{"delivery_tag":1,"multiple":true,"requeue":false}"""),
        new("POST", "api/rest/leases/{lease}/ack", null),
        new("POST", "api/rest/streams/s-unknown/ack", """{"delivery_tag":1}"""),
    ];

    private static readonly byte[] Refill = """{"routing_key":"fz.q","payload":"refill"}"""u8.ToArray();

    public override string Name => "rest";

    protected override IReadOnlyList<HttpSeed> Seeds => AllSeeds;

    protected override async Task PrepareAsync(HttpHost host, CancellationToken cancellation)
    {
        await host.RequireAsync("PUT", "/api/exchanges/%2F/fz.x", """{"type":"topic"}""", cancellation).ConfigureAwait(false);
        await host.RequireAsync("PUT", "/api/queues/%2F/fz.q", """{"arguments":{"x-max-length":1000}}""", cancellation).ConfigureAwait(false);
        await host.RequireAsync("POST", "/api/bindings/%2F/e/fz.x/q/fz.q", """{"routing_key":"a.#"}""", cancellation).ConfigureAwait(false);
    }

    protected override async Task<HttpCase> ResolveAsync(HttpCase request, CancellationToken cancellation)
    {
        // A long-poll with an empty queue would wait its full wait_ms: keep a message ready.
        await Host.SendAsync(new HttpCase("POST", "/api/rest/vhosts/%2F/exchanges/amq.default/publish", Refill), cancellation)
            .ConfigureAwait(false);
        if (!request.Target.Contains("{lease}", StringComparison.Ordinal)) return request;
        byte[] got = await Host.RequireAsync("POST", "/api/rest/vhosts/%2F/queues/fz.q/get", """{"count":2,"ack":"manual"}""", cancellation)
            .ConfigureAwait(false);
        // Messages published with payload_encoding json come back inline, nested as deep as they were sent.
        using var document = JsonDocument.Parse(got, new JsonDocumentOptions { MaxDepth = 100_000 });
        string lease = document.RootElement.GetProperty("lease_id").GetString() ?? "none";
        return request with { Target = request.Target.Replace("{lease}", lease, StringComparison.Ordinal) };
    }
}
