using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tidings.Core;

namespace Tidings.LogQueue;

/// <summary>
/// The logging queue's HTTP API: under <see cref="PathPrefix"/> on the HTTP port, and at the root
/// of connections marked by <see cref="MarkLogQueueConnections"/> (a listener of its own, for
/// clients that hard-code the paths). A small switch on method and path instead of endpoint
/// routing: seven routes, and the produce/consume path stays a few calls deep. Nothing a client
/// sends escapes as an exception; every answer is <c>{"status": ...}</c> JSON.
/// </summary>
public static class LogQueueEndpoint
{
    /// <summary>Where the API lives on the HTTP port.</summary>
    public const string PathPrefix = "/logqueue";

    private const string ConnectionItemKey = "tidings.listener";
    private const string ConnectionItemValue = "logqueue";
    private const string JsonContentType = "application/json";

    // The answer being written, one per thread: it is filled and copied into the response's pipe without an await in between.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_answer;
    [ThreadStatic] private static Utf8JsonWriter? t_json;

    /// <summary>Marks connections of a Kestrel endpoint as logging-queue connections, served at the root.</summary>
    public static void MarkLogQueueConnections(this IConnectionBuilder listen) =>
        listen.Use(next => context =>
        {
            context.Items[ConnectionItemKey] = ConnectionItemValue;
            return next(context);
        });

    /// <summary>Serves marked connections at any path, and <see cref="PathPrefix"/> on the others; the rest continue down the pipeline.</summary>
    public static void UseLogQueue(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ConnectionItemKey, out var value) == true &&
                ConnectionItemValue.Equals(value))
            {
                await HandleAsync(context, context.Request.Path.Value ?? "/").ConfigureAwait(false);
                return;
            }
            if (context.Request.Path.StartsWithSegments(PathPrefix, StringComparison.Ordinal, out var rest))
            {
                await HandleAsync(context, rest.Value is { Length: > 0 } path ? path : "/").ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });

    /// <summary>One request, start to end; <paramref name="path"/> is relative to the API's root.</summary>
    internal static async Task HandleAsync(HttpContext http, string path)
    {
        var service = http.RequestServices.GetRequiredService<LogQueueService>();
        LogQueueReply reply;
        try
        {
            reply = await DispatchAsync(http, service, path.Length > 1 ? path.TrimEnd('/') : path).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away: nobody to answer
        }
        catch (BrokerException e)
        {
            reply = FromBroker(e);
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException)
        {
            reply = LogQueueReply.BadRequest("the request could not be read: " + e.Message);
        }
        catch (Exception e)
        {
            var log = http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Tidings.LogQueue");
            log?.LogError(e, "logging-queue request {Path} failed", path);
            service.Broker.Faults.Report("logqueue " + path, e);
            reply = LogQueueReply.Failure(500, "internal error");
        }
        if (http.Response.HasStarted) return;
        Write(http.Response, reply);
    }

    private static ValueTask<LogQueueReply> DispatchAsync(HttpContext http, LogQueueService service, string path)
    {
        string method = http.Request.Method;
        bool get = HttpMethods.IsGet(method), post = HttpMethods.IsPost(method);
        return path switch
        {
            "/producer/produce" when post => WithRequestAsync(http, service, Produce),
            "/consumer/consume" when get => WithRequestAsync(http, service, Consume),
            "/size" when get => WithRequestAsync(http, service, Size),
            "/topics" when post => WithRequestAsync(http, service, CreateTopic),
            "/topics" when get => WithRequestAsync(http, service, ListTopics),
            "/consumer/register" when post => WithRequestAsync(http, service, RegisterConsumer),
            "/producer/register" when post => WithRequestAsync(http, service, RegisterProducer),
            "/topics" => new(MethodNotAllowed(http, "GET, POST")),
            "/producer/produce" or "/consumer/register" or "/producer/register" => new(MethodNotAllowed(http, "POST")),
            "/consumer/consume" or "/size" => new(MethodNotAllowed(http, "GET")),
            _ => new(LogQueueReply.NotFound($"no such operation: {method} {path}")),
        };
    }

    private delegate ValueTask<LogQueueReply> Operation(LogQueueService service, Core.Security.User user, LogQueueRequest request);

    /// <summary>Authenticates, reads the fields, refuses unusable input, then runs <paramref name="operation"/>.</summary>
    private static async ValueTask<LogQueueReply> WithRequestAsync(HttpContext http, LogQueueService service, Operation operation)
    {
        var user = LogQueueAuthenticator.Authenticate(http, service, out var refusal);
        if (user is null)
        {
            if (refusal.StatusCode == 401) http.Response.Headers.WWWAuthenticate = "Basic realm=\"Tidings logging queue\"";
            return refusal;
        }
        int maxMessage = service.Options.MaxMessageBytes;
        // A JSON string escapes a byte as at most 6 ("\u00XX"); the rest of the object is small.
        int maxBody = (int)Math.Min(int.MaxValue, maxMessage * 6L + 64 * 1024);
        var request = await LogQueueRequestReader.ReadAsync(http.Request, maxMessage, maxBody).ConfigureAwait(false);
        if (request.Problem is not null) return LogQueueReply.BadRequest(request.Problem);
        return await operation(service, user, request).ConfigureAwait(false);
    }

    private static ValueTask<LogQueueReply> CreateTopic(LogQueueService service, Core.Security.User user, LogQueueRequest request) =>
        new(LogQueueRequest.Missing(request.Name, "name") is { } problem ? LogQueueReply.BadRequest(problem) : service.CreateTopic(user, request.Name!));

    private static ValueTask<LogQueueReply> ListTopics(LogQueueService service, Core.Security.User user, LogQueueRequest request) =>
        new(service.ListTopics(user));

    private static ValueTask<LogQueueReply> RegisterConsumer(LogQueueService service, Core.Security.User user, LogQueueRequest request) =>
        new(LogQueueRequest.Missing(request.Topic, "topic") is { } problem ? LogQueueReply.BadRequest(problem) : service.RegisterConsumer(user, request.Topic!));

    private static ValueTask<LogQueueReply> RegisterProducer(LogQueueService service, Core.Security.User user, LogQueueRequest request) =>
        new(LogQueueRequest.Missing(request.Topic, "topic") is { } problem ? LogQueueReply.BadRequest(problem) : service.RegisterProducer(user, request.Topic!));

    private static ValueTask<LogQueueReply> Produce(LogQueueService service, Core.Security.User user, LogQueueRequest request)
    {
        if (LogQueueRequest.Missing(request.Topic, "topic") is { } problem) return new(LogQueueReply.BadRequest(problem));
        if (request.ProducerId is not { } producerId) return new(LogQueueReply.BadRequest("missing field 'producer_id' (an integer)"));
        if (request.Message is not { } message) return new(LogQueueReply.BadRequest("missing field 'message' (a string)"));
        return service.ProduceAsync(user, request.Topic!, producerId, message);
    }

    private static ValueTask<LogQueueReply> Consume(LogQueueService service, Core.Security.User user, LogQueueRequest request)
    {
        if (LogQueueRequest.Missing(request.Topic, "topic") is { } problem) return new(LogQueueReply.BadRequest(problem));
        if (request.ConsumerId is not { } consumerId) return new(LogQueueReply.BadRequest("missing field 'consumer_id' (an integer)"));
        return new(service.Consume(user, request.Topic!, consumerId));
    }

    private static ValueTask<LogQueueReply> Size(LogQueueService service, Core.Security.User user, LogQueueRequest request)
    {
        if (LogQueueRequest.Missing(request.Topic, "topic") is { } problem) return new(LogQueueReply.BadRequest(problem));
        if (request.ConsumerId is not { } consumerId) return new(LogQueueReply.BadRequest("missing field 'consumer_id' (an integer)"));
        return new(service.Size(user, request.Topic!, consumerId));
    }

    private static LogQueueReply MethodNotAllowed(HttpContext http, string allowed)
    {
        http.Response.Headers.Allow = allowed;
        return LogQueueReply.Failure(405, $"use {allowed} for {http.Request.Path}");
    }

    /// <summary>What a core refusal means here.</summary>
    private static LogQueueReply FromBroker(BrokerException e) => e.Error switch
    {
        BrokerError.NotFound => LogQueueReply.NotFound(e.Message),
        BrokerError.AccessRefused or BrokerError.NotAllowed => LogQueueReply.Failure(403, e.Message),
        BrokerError.ResourceError => LogQueueReply.Failure(503, e.Message),
        _ => LogQueueReply.BadRequest(e.Message),
    };

    /// <summary>Writes the answer with its length, copied into the response's pipe at once (Kestrel flushes it when the request ends).</summary>
    private static void Write(HttpResponse response, LogQueueReply reply)
    {
        var buffer = t_answer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        // Relaxed escaping: the answer is application/json, never HTML, so non-ASCII text goes out as UTF-8 as it came in.
        var json = t_json ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.Reset(buffer);
        json.WriteStartObject();
        json.WriteString("status"u8, reply.IsSuccess ? "success"u8 : "failure"u8);
        switch (reply.Field)
        {
            case ReplyField.Message:
                json.WriteString("message"u8, reply.Text);
                break;
            case ReplyField.Payload:
                var body = reply.Payload.Span;
                // A message produced over AMQP need not be UTF-8; it is shown with replacement characters then.
                if (LogQueueRequestReader.IsUtf8(body)) json.WriteString("message"u8, body);
                else json.WriteString("message"u8, LogQueueRequestReader.Lenient(body));
                break;
            case ReplyField.Topics:
                json.WriteStartArray("topics"u8);
                foreach (string topic in reply.Topics!) json.WriteStringValue(topic);
                json.WriteEndArray();
                break;
            case ReplyField.ConsumerId:
                json.WriteNumber("consumer_id"u8, reply.Number);
                break;
            case ReplyField.ProducerId:
                json.WriteNumber("producer_id"u8, reply.Number);
                break;
            case ReplyField.Size:
                json.WriteNumber("size"u8, reply.Number);
                break;
        }
        json.WriteEndObject();
        json.Flush();
        response.StatusCode = reply.StatusCode;
        response.ContentType = JsonContentType;
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
        // A dequeued message may be large: do not keep a megabyte per thread.
        if (buffer.Capacity > 64 * 1024) t_answer = null;
    }
}
