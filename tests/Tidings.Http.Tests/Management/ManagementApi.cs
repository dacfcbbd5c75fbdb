using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace Tidings.Http.Tests.Management;

/// <summary>Small helpers for calling the management API and reading its JSON in tests.</summary>
internal static class ManagementApi
{
    /// <summary>GET that must answer 200; returns the parsed JSON.</summary>
    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Sends a request with a JSON body (or none) and returns the response.</summary>
    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string path, object? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            string json = body as string ?? JsonSerializer.Serialize(body);
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, object? body = null) =>
        client.SendJsonAsync(HttpMethod.Put, path, body ?? new { });

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object? body) =>
        client.SendJsonAsync(HttpMethod.Post, path, body);

    /// <summary>Asserts the status and, for errors, RabbitMQ's {"error","reason"} shape; returns the body.</summary>
    public static async Task<JsonElement?> ExpectAsync(this HttpResponseMessage response, HttpStatusCode status, string? error = null)
    {
        using (response)
        {
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
            if (text.Length == 0) return null;
            var json = JsonDocument.Parse(text).RootElement.Clone();
            if (error is not null)
            {
                Assert.Equal(error, json.GetProperty("error").GetString());
                Assert.False(string.IsNullOrEmpty(json.GetProperty("reason").GetString()));
            }
            return json;
        }
    }

    /// <summary>The names of the objects of a JSON array.</summary>
    public static List<string> Names(this JsonElement array, string field = "name") =>
        [.. array.EnumerateArray().Select(e => e.GetProperty(field).GetString()!)];

    /// <summary>The property names of a JSON object, for field-by-field shape checks.</summary>
    public static HashSet<string> Keys(this JsonElement obj) => [.. obj.EnumerateObject().Select(p => p.Name)];

    /// <summary>Asserts that every RabbitMQ field is there.</summary>
    public static void AssertHasFields(JsonElement obj, params string[] fields)
    {
        var keys = obj.Keys();
        var missing = fields.Where(f => !keys.Contains(f)).ToList();
        Assert.True(missing.Count == 0, "missing fields: " + string.Join(", ", missing) + " in " + obj);
    }

    /// <summary>A client authenticated as another user.</summary>
    public static HttpClient ClientAs(this TestBrokerServer server, string user, string password) => server.Client(user, password);

    /// <summary>A RabbitMQ.Client connection to the test server's AMQP listener.</summary>
    public static Task<IConnection> ConnectAmqpAsync(this TestBrokerServer server, string? clientName = null)
    {
        var factory = new ConnectionFactory
        {
            HostName = "127.0.0.1",
            Port = server.AmqpPort,
            UserName = "guest",
            Password = "guest",
            ClientProvidedName = clientName,
        };
        return factory.CreateConnectionAsync();
    }

    public static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
