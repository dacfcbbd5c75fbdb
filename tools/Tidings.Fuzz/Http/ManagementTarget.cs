using Microsoft.AspNetCore.Builder;

namespace Tidings.Fuzz.Http;

/// <summary>
/// The management API's state-changing endpoints with mutated JSON and paths: queues,
/// exchanges, bindings, vhosts, users, permissions, publish and get. The user "guest" (the
/// fuzzer's own login) is never a seed's subject, so a mutation cannot lock the fuzzer out.
/// </summary>
internal sealed class ManagementTarget(Action<WebApplication>? plant = null) : HttpTarget(plant)
{
    private static readonly HttpSeed[] AllSeeds =
    [
        new("PUT", "api/vhosts/fz", """{"description":"fuzz","tags":"a,b","default_queue_type":"classic","tracing":false}"""),
        new("PUT", "api/users/fz.user", """{"password":"secret","tags":"management,monitoring"}"""),
        new("PUT", "api/users/fz.hash", """{"password_hash":"kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR","hashing_algorithm":"rabbit_password_hashing_sha256","tags":["administrator"]}"""),
        new("PUT", "api/permissions/%2F/fz.user", """{"configure":"^fz\\.","write":".*","read":"^(fz|amq)\\..*"}"""),
        new("PUT", "api/queues/%2F/fz.q2", """{"durable":false,"auto_delete":false,"arguments":{"x-message-ttl":60000,"x-max-length":10,"x-max-length-bytes":100000,"x-overflow":"reject-publish","x-dead-letter-exchange":"fz.x","x-dead-letter-routing-key":"dead","x-max-priority":3,"x-expires":600000,"x-queue-mode":"lazy","x-single-active-consumer":true}}"""),
        new("PUT", "api/queues/fz/fz.q3", """{"durable":true,"arguments":{"x-queue-type":"classic"}}"""),
        new("PUT", "api/exchanges/%2F/fz.x2", """{"type":"topic","durable":false,"auto_delete":false,"internal":false,"arguments":{"alternate-exchange":"amq.fanout"}}"""),
        new("PUT", "api/exchanges/%2F/fz.h", """{"type":"headers","durable":true}"""),
        new("POST", "api/bindings/%2F/e/fz.x/q/fz.q", """{"routing_key":"a.#","arguments":{"x-match":"all","k":"v"}}"""),
        new("POST", "api/bindings/%2F/e/fz.x/e/amq.fanout", """{"routing_key":"k","arguments":{}}"""),
        new("POST", "api/exchanges/%2F/fz.x/publish", """{"properties":{"delivery_mode":2,"headers":{"h":1,"nested":{"a":[1,"b",true]}},"content_type":"text/plain","content_encoding":"utf-8","priority":1,"expiration":"60000","correlation_id":"c","reply_to":"r","message_id":"m","timestamp":1700000000,"type":"t","user_id":"guest","app_id":"fuzz"},"routing_key":"a.b","payload":"hi","payload_encoding":"string"}"""),
        new("POST", "api/exchanges/%2F/amq.default/publish", """{"properties":{},"routing_key":"fz.q","payload":"aGk=","payload_encoding":"base64"}"""),
        new("POST", "api/queues/%2F/fz.q/get", """{"count":5,"ackmode":"ack_requeue_true","encoding":"auto","truncate":50000}"""),
        new("POST", "api/queues/%2F/fz.q/get", """{"count":1,"ackmode":"reject_requeue_false","encoding":"base64"}"""),
        new("DELETE", "api/queues/%2F/fz.q2", null),
        new("DELETE", "api/queues/%2F/fz.q/contents", null),
        new("DELETE", "api/exchanges/%2F/fz.x2?if-unused=true", null),
        new("DELETE", "api/bindings/%2F/e/fz.x/q/fz.q/a.%23", null),
        new("DELETE", "api/permissions/%2F/fz.user", null),
        new("DELETE", "api/users/fz.hash", null),
        new("DELETE", "api/vhosts/fz", null),
        new("POST", "api/users/bulk-delete", """{"users":["fz.user","fz.nobody"]}"""),
    ];

    public override string Name => "management";

    protected override IReadOnlyList<HttpSeed> Seeds => AllSeeds;

    protected override async Task PrepareAsync(HttpHost host, CancellationToken cancellation)
    {
        await host.RequireAsync("PUT", "/api/vhosts/fz", null, cancellation).ConfigureAwait(false);
        await host.RequireAsync("PUT", "/api/permissions/fz/guest", """{"configure":".*","write":".*","read":".*"}""", cancellation).ConfigureAwait(false);
        await host.RequireAsync("PUT", "/api/users/fz.user", """{"password":"p","tags":""}""", cancellation).ConfigureAwait(false);
        await host.RequireAsync("PUT", "/api/exchanges/%2F/fz.x", """{"type":"topic"}""", cancellation).ConfigureAwait(false);
        await host.RequireAsync("PUT", "/api/queues/%2F/fz.q", """{"arguments":{"x-max-length":1000}}""", cancellation).ConfigureAwait(false);
        await host.RequireAsync("POST", "/api/bindings/%2F/e/fz.x/q/fz.q", """{"routing_key":"a.#"}""", cancellation).ConfigureAwait(false);
    }
}
