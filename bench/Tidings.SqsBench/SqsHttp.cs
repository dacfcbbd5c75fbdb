using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Tidings.SqsBench;

/// <summary>
/// AWS JSON 1.0 requests to an SQS endpoint over one pooled HttpClient: POST / with
/// X-Amz-Target: AmazonSQS.&lt;Action&gt; and a JSON body, signed with SigV4 (access key "test", secret
/// "test", us-east-1) or, with <c>sign: false</c>, a fixed dummy Authorization header.
/// </summary>
internal sealed class SqsHttp : IDisposable
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/x-amz-json-1.0");
    private const string AccessKey = "test";
    private const string SecretKey = "test";
    private const string Region = "us-east-1";
    private const string Service = "sqs";
    private const string SignedHeaders = "content-type;host;x-amz-date;x-amz-target";
    private const string DummyAuthorization =
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=" + SignedHeaders +
        ", Signature=0000000000000000000000000000000000000000000000000000000000000000";

    private readonly HttpClient _client;
    private readonly Uri _endpoint;
    private readonly string _host;
    private readonly bool _sign;
    private string _keyDate = "";
    private byte[] _signingKey = [];
    private readonly Lock _keyLock = new();

    public long Errors;
    public string? FirstError;
    /// <summary>OverLimit answers (e.g. FIFO's in-flight limit): counted apart, not as errors.</summary>
    public long Throttled;

    public SqsHttp(Uri endpoint, int connections, bool sign)
    {
        _endpoint = new Uri(endpoint, "/");
        _host = endpoint.IsDefaultPort ? endpoint.Host : $"{endpoint.Host}:{endpoint.Port}";
        _sign = sign;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = Math.Max(1, connections),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            UseCookies = false,
        };
        _client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Posts one action; returns the answer's bytes on 2xx, null (counted in Errors) otherwise.</summary>
    public async Task<byte[]?> PostAsync(string action, ReadOnlyMemory<byte> body, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint);
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = JsonContentType;
        request.Content = content;
        var target = "AmazonSQS." + action;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        var now = DateTime.UtcNow;
        var amzDate = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        request.Headers.TryAddWithoutValidation("Authorization", _sign ? Authorization(amzDate, target, body.Span) : DummyAuthorization);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancel).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancel).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return bytes;
            }
            if (bytes.AsSpan().IndexOf("OverLimit"u8) >= 0)
            {
                Interlocked.Increment(ref Throttled);
                return null;
            }
            Fail($"{action}: HTTP {(int)response.StatusCode} {Encoding.UTF8.GetString(bytes, 0, Math.Min(bytes.Length, 300))}");
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is TaskCanceledException && !cancel.IsCancellationRequested))
        {
            Fail($"{action}: {e.GetType().Name}: {e.Message}");
            return null;
        }
    }

    private void Fail(string message)
    {
        Interlocked.Increment(ref Errors);
        Interlocked.CompareExchange(ref FirstError, message, null);
    }

    /// <summary>A minimal SigV4 over POST / with the four signed headers.</summary>
    private string Authorization(string amzDate, string target, ReadOnlySpan<byte> body)
    {
        var date = amzDate[..8];
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        var canonical = string.Concat(
            "POST\n/\n\n",
            "content-type:application/x-amz-json-1.0\n",
            "host:", _host, "\n",
            "x-amz-date:", amzDate, "\n",
            "x-amz-target:", target, "\n\n",
            SignedHeaders, "\n",
            Convert.ToHexStringLower(hash));
        SHA256.HashData(Encoding.UTF8.GetBytes(canonical), hash);
        var scope = $"{date}/{Region}/{Service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(hash)}";
        var signature = HMACSHA256.HashData(SigningKey(date), Encoding.UTF8.GetBytes(toSign));
        return $"AWS4-HMAC-SHA256 Credential={AccessKey}/{scope}, SignedHeaders={SignedHeaders}, Signature={Convert.ToHexStringLower(signature)}";
    }

    private byte[] SigningKey(string date)
    {
        lock (_keyLock)
        {
            if (_keyDate != date)
            {
                var k = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + SecretKey), Encoding.UTF8.GetBytes(date));
                k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(Region));
                k = HMACSHA256.HashData(k, Encoding.UTF8.GetBytes(Service));
                _signingKey = HMACSHA256.HashData(k, "aws4_request"u8.ToArray());
                _keyDate = date;
            }
            return _signingKey;
        }
    }

    public void Dispose() => _client.Dispose();

    // ---- request bodies and answers ----

    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>CreateQueue (FIFO when the name ends in .fifo); returns the QueueUrl.</summary>
    public async Task<string> CreateQueueAsync(string name, CancellationToken cancel)
    {
        var body = Json(w =>
        {
            w.WriteString("QueueName", name);
            w.WriteStartObject("Attributes");
            w.WriteString("VisibilityTimeout", "30");
            if (name.EndsWith(".fifo", StringComparison.Ordinal))
            {
                w.WriteString("FifoQueue", "true");
            }
            w.WriteEndObject();
        });
        var answer = await PostAsync("CreateQueue", body, cancel).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"CreateQueue {name} failed: {FirstError}");
        using var doc = JsonDocument.Parse(answer);
        return doc.RootElement.GetProperty("QueueUrl").GetString()
            ?? throw new InvalidOperationException("CreateQueue answer has no QueueUrl");
    }

    public Task DeleteQueueAsync(string queueUrl, CancellationToken cancel) =>
        PostAsync("DeleteQueue", Json(w => w.WriteString("QueueUrl", queueUrl)), cancel);

    /// <summary>Counts the entries of the Successful and Failed arrays of a batch answer.</summary>
    public static (int Successful, int Failed) BatchCounts(byte[] answer)
    {
        var reader = new Utf8JsonReader(answer);
        int successful = 0, failed = 0;
        string? array = null;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                array = reader.ValueTextEquals("Successful"u8) ? "s" : reader.ValueTextEquals("Failed"u8) ? "f" : null;
            }
            else if (reader.TokenType == JsonTokenType.StartObject && reader.CurrentDepth == 2)
            {
                if (array == "s") successful++;
                else if (array == "f") failed++;
                reader.Skip();
            }
        }
        return (successful, failed);
    }

    /// <summary>The ReceiptHandle and Body of each message of a ReceiveMessage answer.</summary>
    public static List<(string ReceiptHandle, string Body)> Messages(byte[] answer)
    {
        var result = new List<(string, string)>(10);
        var reader = new Utf8JsonReader(answer);
        string? handle = null, body = null;
        var inMessages = false;
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                    inMessages = reader.ValueTextEquals("Messages"u8);
                    break;
                case JsonTokenType.StartObject when inMessages && reader.CurrentDepth == 2:
                    handle = body = null;
                    break;
                case JsonTokenType.EndObject when inMessages && reader.CurrentDepth == 2:
                    if (handle is not null)
                    {
                        result.Add((handle, body ?? ""));
                    }
                    break;
                case JsonTokenType.PropertyName when inMessages && reader.CurrentDepth == 3:
                    if (reader.ValueTextEquals("ReceiptHandle"u8))
                    {
                        reader.Read();
                        handle = reader.GetString();
                    }
                    else if (reader.ValueTextEquals("Body"u8))
                    {
                        reader.Read();
                        body = reader.GetString();
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                    break;
            }
        }
        return result;
    }

    [SuppressMessage("Performance", "CA1859", Justification = "kept general")]
    public static byte[] DeleteBatchBody(string queueUrl, IReadOnlyList<(string ReceiptHandle, string Body)> messages) =>
        Json(w =>
        {
            w.WriteString("QueueUrl", queueUrl);
            w.WriteStartArray("Entries");
            for (var i = 0; i < messages.Count; i++)
            {
                w.WriteStartObject();
                w.WriteString("Id", i.ToString(CultureInfo.InvariantCulture));
                w.WriteString("ReceiptHandle", messages[i].ReceiptHandle);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
}
