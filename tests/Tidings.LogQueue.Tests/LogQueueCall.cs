using System.Net;
using System.Text;
using System.Text.Json;

namespace Tidings.LogQueue.Tests;

/// <summary>An answer of the API: the HTTP status and the parsed JSON.</summary>
public sealed record LogQueueAnswer(HttpStatusCode Status, JsonElement Json)
{
    public string StatusField => Json.GetProperty("status").GetString()!;

    public string Message => Json.GetProperty("message").GetString()!;

    /// <summary>Asserts a success and returns the answer.</summary>
    public LogQueueAnswer Succeeded()
    {
        Assert.True(Status == HttpStatusCode.OK && StatusField == "success", $"expected success, got {(int)Status} {Json}");
        return this;
    }

    /// <summary>Asserts a failure with <paramref name="status"/> and a message containing <paramref name="text"/>.</summary>
    public void Failed(HttpStatusCode status, string text)
    {
        Assert.True(Status == status && StatusField == "failure", $"expected {(int)status} failure, got {(int)Status} {Json}");
        Assert.Contains(text, Message, StringComparison.Ordinal);
    }
}

/// <summary>Raw calls of the API as the course's clients make them: JSON bodies on POST and on GET.</summary>
public sealed class LogQueueCall(HttpClient http) : IDisposable
{
    public void Dispose() => Http.Dispose();

    public HttpClient Http { get; } = http;

    public Task<LogQueueAnswer> PostAsync(string path, object body) => SendAsync(HttpMethod.Post, path, JsonSerializer.Serialize(body));

    public Task<LogQueueAnswer> GetAsync(string path, object? body = null) =>
        SendAsync(HttpMethod.Get, path, body is null ? null : JsonSerializer.Serialize(body));

    public async Task<LogQueueAnswer> SendAsync(HttpMethod method, string path, string? body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        using var response = await Http.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        return new LogQueueAnswer(response.StatusCode, document.RootElement.Clone());
    }

    public async Task<long> RegisterProducerAsync(string topic) =>
        (await PostAsync("producer/register", new { topic })).Succeeded().Json.GetProperty("producer_id").GetInt64();

    public async Task<long> RegisterConsumerAsync(string topic) =>
        (await PostAsync("consumer/register", new { topic })).Succeeded().Json.GetProperty("consumer_id").GetInt64();

    public async Task ProduceAsync(string topic, long producerId, string message) =>
        (await PostAsync("producer/produce", new { topic, producer_id = producerId, message })).Succeeded();

    public async Task<string> ConsumeAsync(string topic, long consumerId) =>
        (await GetAsync("consumer/consume", new { topic, consumer_id = consumerId })).Succeeded().Message;

    public async Task<long> SizeAsync(string topic, long consumerId) =>
        (await GetAsync("size", new { topic, consumer_id = consumerId })).Succeeded().Json.GetProperty("size").GetInt64();

    /// <summary>A client of /logqueue/ on the HTTP port, without credentials (the default user, from loopback).</summary>
    public static LogQueueCall OnHttpPort(Testing.TestBrokerServer server) =>
        new(new HttpClient { BaseAddress = new Uri(server.BaseAddress, "logqueue/"), Timeout = TimeSpan.FromSeconds(30) });

    /// <summary>A client of the API's own listener, at its root.</summary>
    public static LogQueueCall OnOwnListener(Testing.TestBrokerServer server) =>
        new(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.LogQueuePort}/"), Timeout = TimeSpan.FromSeconds(30) });
}
