using System.Text;
using Microsoft.AspNetCore.Builder;

namespace Tidings.Fuzz.Http;

/// <summary>
/// The shared loop of the HTTP targets: a seed request with a mutated path and JSON body goes
/// to the real endpoints in memory; the response must pass <see cref="ResponseCheck"/> and the
/// server must log no error. Inputs of a class switched on in <see cref="KnownIssues"/> are
/// replaced by another mutation. The health check requires every listing to answer 200 JSON.
/// </summary>
internal abstract class HttpTarget : IFuzzTarget
{
    /// <summary>The server (and its broker) is rebuilt after this many requests, so state stays small.</summary>
    private const int RequestsPerHost = 400;

    private static readonly string[] Listings =
        ["/api/overview", "/api/queues", "/api/exchanges", "/api/bindings", "/api/vhosts", "/api/users", "/api/permissions",
         "/api/definitions", "/api/connections", "/api/channels", "/api/consumers", "/api/nodes"];

    private readonly Action<WebApplication>? _plant;
    private HttpHost? _host;
    private int _requestsOnHost;
    private long _skippedAsKnown;
    /// <summary>Responses by status code: how far the inputs got.</summary>
    private readonly SortedDictionary<int, long> _statuses = [];

    protected HttpTarget(Action<WebApplication>? plant = null) => _plant = plant;

    public abstract string Name { get; }

    /// <summary>The valid requests to mutate.</summary>
    protected abstract IReadOnlyList<HttpSeed> Seeds { get; }

    protected HttpHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task StartAsync()
    {
        _host = await HttpHost.StartAsync(_plant).ConfigureAwait(false);
        await PrepareAsync(_host, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Declares what the seeds refer to, on each new host.</summary>
    protected virtual Task PrepareAsync(HttpHost host, CancellationToken cancellation) => Task.CompletedTask;

    public byte[] NextInput(Random random)
    {
        var corpus = Seeds.Select(s => s.ToCase().Body).ToList();
        for (int attempt = 0; ; attempt++)
        {
            var seed = Seeds[random.Next(Seeds.Count)];
            var segments = random.Next(4) == 0 ? PathMutator.Mutate(random, seed.Segments) : seed.Segments;
            byte[] body = seed.Body is null && random.Next(4) != 0 ? [] : JsonMutator.Mutate(random, seed.Body, corpus);
            var request = new HttpCase(seed.Method, "/" + string.Join('/', segments), body);
            if (KnownIssueFilter.Admits(request.Target, request.Body) || attempt > 50) return request.Encode();
            _skippedAsKnown++;
        }
    }

    public async Task<Failure?> RunAsync(byte[] input, CancellationToken cancellation)
    {
        if (++_requestsOnHost > RequestsPerHost)
        {
            if (await CheckHealthAsync(cancellation).ConfigureAwait(false) is { } broken) return broken;
            await Host.DisposeAsync().ConfigureAwait(false);
            await StartAsync().ConfigureAwait(false);
            _requestsOnHost = 1;
        }
        var decoded = HttpCase.Decode(input);
        if (IsOutsideHttp(decoded)) return await RunOutsideHttpAsync(decoded, cancellation).ConfigureAwait(false);
        var request = await ResolveAsync(decoded, cancellation).ConfigureAwait(false);
        (int Status, string? ContentType, byte[] Body) response;
        try
        {
            response = await Host.SendAsync(request, cancellation).ConfigureAwait(false);
        }
        catch (UriFormatException)
        {
            return null; // A target Kestrel would refuse before any of our code runs.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Failure.FromException($"exception from {request.Method} {request.Target.Split('/').Skip(2).FirstOrDefault()}", e);
        }
        _statuses[response.Status] = _statuses.GetValueOrDefault(response.Status) + 1;
        if (Host.Errors.Take() is { } logged)
            return logged.Exception is { } e
                ? Failure.FromException("server logged an exception", e)
                : new Failure("server logged an error", logged.Text);
        return ResponseCheck.Inspect(request, response.Status, response.ContentType, response.Body)
               ?? await AfterAsync(request, response.Status, cancellation).ConfigureAwait(false);
    }

    /// <summary>True for an input a target runs without the HTTP server (a definitions file).</summary>
    protected virtual bool IsOutsideHttp(HttpCase request) => false;

    protected virtual Task<Failure?> RunOutsideHttpAsync(HttpCase request, CancellationToken cancellation) => Task.FromResult<Failure?>(null);

    /// <summary>Fills in run-time parts of a request (a lease id).</summary>
    protected virtual Task<HttpCase> ResolveAsync(HttpCase request, CancellationToken cancellation) => Task.FromResult(request);

    /// <summary>A target's own check after a request passed the generic ones.</summary>
    protected virtual Task<Failure?> AfterAsync(HttpCase request, int status, CancellationToken cancellation) => Task.FromResult<Failure?>(null);

    public async Task<Failure?> CheckHealthAsync(CancellationToken cancellation)
    {
        foreach (string listing in Listings)
        {
            var request = new HttpCase("GET", listing, []);
            var (status, contentType, body) = await Host.SendAsync(request, cancellation).ConfigureAwait(false);
            if (status != 200 || contentType?.StartsWith("application/json", StringComparison.Ordinal) != true)
                return new Failure($"health: GET {listing} no longer answers 200 JSON",
                    $"{status} {contentType}: {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 600)))}");
            try
            {
                // Arguments may nest 64 tables, inside a listing's own levels: past the reader's default depth.
                using var _ = System.Text.Json.JsonDocument.Parse(body, new System.Text.Json.JsonDocumentOptions { MaxDepth = 1024 });
            }
            catch (System.Text.Json.JsonException e)
            {
                return new Failure($"health: GET {listing} answers invalid JSON", e.Message);
            }
        }
        if (Host.Errors.Take() is { } logged) return new Failure("health: server logged an error", logged.Text);
        return null;
    }

    public string Summary() =>
        $"responses by status: {string.Join(", ", _statuses.Select(kv => $"{kv.Key}: {kv.Value}"))}; " +
        $"mutations skipped as known issues: {_skippedAsKnown}";

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
