using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;

namespace Tidings.Http.Tests.Dashboard;

/// <summary>The dashboard's files as HTTP resources: content types, caching, compression, completeness.</summary>
public sealed partial class DashboardEndpointTests
{
    [GeneratedRegex("""(?:src|href)="(dashboard/[0-9a-f]+)/js/app\.js""")]
    private static partial Regex AppScript();

    [GeneratedRegex("""(?:import|from)\s*['"](\.{1,2}/[^'"]+)['"]""")]
    private static partial Regex RelativeImport();

    [Fact]
    public async Task Root_serves_the_dashboard_html_uncached_with_a_content_security_policy()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client(user: null);

        using var response = await client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.NotNull(response.Headers.ETag);
        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        string html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<title>Tidings</title>", html);
        Assert.DoesNotContain("{{", html);
        Assert.Matches(AppScript(), html);
    }

    [Fact]
    public async Task Index_html_is_the_same_page_and_answers_304_to_its_etag()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client(user: null);
        using var first = await client.GetAsync("/index.html");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);
        using var second = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Versioned_assets_are_served_with_their_content_types_and_cached_for_a_year()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client(user: null);
        string assets = await AssetsBaseAsync(client);

        foreach (var (path, mediaType) in new[]
        {
            ("js/app.js", "text/javascript"),
            ("css/dashboard.css", "text/css"),
            ("img/tidings.svg", "image/svg+xml"),
        })
        {
            using var response = await client.GetAsync($"/{assets}/{path}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(TimeSpan.FromDays(365), response.Headers.CacheControl?.MaxAge);
            Assert.True(response.Headers.CacheControl?.Public);
            Assert.Contains("immutable", response.Headers.CacheControl!.Extensions.Select(e => e.Name));
            Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Every_module_the_scripts_import_is_served()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client(user: null);
        string assets = await AssetsBaseAsync(client);
        var pending = new Queue<string>(["js/app.js"]);
        var seen = new HashSet<string>(StringComparer.Ordinal);

        while (pending.TryDequeue(out string? path))
        {
            if (!seen.Add(path)) continue;
            using var response = await client.GetAsync($"/{assets}/{path}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
            Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
            string source = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(".innerHTML =", source);
            foreach (Match import in RelativeImport().Matches(source))
            {
                var resolved = new Uri(new Uri($"http://x/{path}"), import.Groups[1].Value).AbsolutePath.TrimStart('/');
                pending.Enqueue(resolved);
            }
        }

        Assert.Contains("js/pages/queue.js", seen);
        Assert.True(seen.Count >= 10, string.Join(", ", seen));
    }

    [Fact]
    public async Task Assets_are_compressed_when_the_client_accepts_it()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var handler = new HttpClientHandler { AutomaticDecompression = DecompressionMethods.None };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        string assets = await AssetsBaseAsync(client);
        using var plain = await client.GetAsync($"/{assets}/css/dashboard.css");
        byte[] plainBytes = await plain.Content.ReadAsByteArrayAsync();

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/{assets}/css/dashboard.css");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var compressed = await client.SendAsync(request);

        Assert.Equal("gzip", compressed.Content.Headers.ContentEncoding.Single());
        Assert.Contains("Accept-Encoding", compressed.Headers.Vary);
        Assert.NotEqual(plain.Headers.ETag, compressed.Headers.ETag);
        using var unzip = new System.IO.Compression.GZipStream(await compressed.Content.ReadAsStreamAsync(), System.IO.Compression.CompressionMode.Decompress);
        using var copy = new MemoryStream();
        await unzip.CopyToAsync(copy);
        Assert.Equal(plainBytes, copy.ToArray());
    }

    [Fact]
    public async Task An_old_asset_version_gets_the_current_file_uncached_and_unknown_files_are_404()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client(user: null);

        using var stale = await client.GetAsync("/dashboard/000000000000/js/app.js");
        using var missing = await client.GetAsync($"/{await AssetsBaseAsync(client)}/js/nope.js");

        Assert.Equal(HttpStatusCode.OK, stale.StatusCode);
        Assert.True(stale.Headers.CacheControl?.NoCache);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_does_not_shadow_the_api()
    {
        await using var server = await TestBrokerServer.StartWithHttpAsync();
        using var client = server.Client();

        using var response = await client.GetAsync("/api/healthchecks/node");

        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>"dashboard/{version}", read from the page as a browser would.</summary>
    private static async Task<string> AssetsBaseAsync(HttpClient client)
    {
        string html = await client.GetStringAsync("/");
        return AppScript().Match(html).Groups[1].Value;
    }
}
