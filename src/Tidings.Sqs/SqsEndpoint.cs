using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Tidings.Core;
using Tidings.Sqs.Actions;
using Tidings.Sqs.Protocol;
using Tidings.Sqs.Signing;
using Tidings.Sqs.Sns;

namespace Tidings.Sqs;

/// <summary>
/// The SQS listener's HTTP handling: every request that arrived on a connection marked by
/// <see cref="MarkSqsConnections"/> is an API call at any path (botocore posts to <c>/</c>, the .NET
/// SDK to the queue URL's path). The protocol is chosen by the request: <c>X-Amz-Target</c> is
/// AWS JSON 1.0, otherwise AWS Query (form fields or the query string). Errors are answered in the
/// request's protocol; nothing a client sends escapes as an exception. SNS actions (Sns/SnsActions)
/// are served here too, with SNS's namespace and error codes.
/// </summary>
public static class SqsEndpoint
{
    private const string ConnectionItemKey = "tidings.listener";
    private const string ConnectionItemValue = "sqs";
    private const string JsonContentType = "application/x-amz-json-1.0";

    /// <summary>Marks connections of a Kestrel endpoint as SQS API connections.</summary>
    public static void MarkSqsConnections(this IConnectionBuilder listen) =>
        listen.Use(next => context =>
        {
            context.Items[ConnectionItemKey] = ConnectionItemValue;
            return next(context);
        });

    /// <summary>Serves marked connections' requests as SQS API calls; the rest continue down the pipeline.</summary>
    public static void UseSqsListener(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(ConnectionItemKey, out var value) == true &&
                ConnectionItemValue.Equals(value))
            {
                await HandleAsync(context).ConfigureAwait(false);
                return;
            }
            await next(context).ConfigureAwait(false);
        });

    /// <summary>One API call, start to end.</summary>
    public static async Task HandleAsync(HttpContext http)
    {
        var service = http.RequestServices.GetRequiredService<SqsService>();
        string requestId = Guid.NewGuid().ToString();
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        var protocol = http.Request.Headers.ContainsKey("X-Amz-Target") ? WireProtocol.Json : WireProtocol.Query;
        string action = "";
        // SNS shares the listener: told apart by its action names (none is also an SQS action) or Version.
        bool sns = false;
        try
        {
            var body = await ReadBodyAsync(http, service.Options.MaxRequestBytes).ConfigureAwait(false);
            SqsInput input;
            using var disposeInput = new InputScope();
            if (protocol == WireProtocol.Json)
            {
                string target = http.Request.Headers["X-Amz-Target"].ToString();
                sns = target.StartsWith(SnsActions.JsonTargetPrefix, StringComparison.Ordinal);
                action = sns ? target[SnsActions.JsonTargetPrefix.Length..]
                    : target.StartsWith("AmazonSQS.", StringComparison.Ordinal) ? target["AmazonSQS.".Length..] : throw SqsErrors.UnknownOperation(target);
                input = disposeInput.Input = JsonInput.Parse(body);
            }
            else
            {
                var fields = QueryFields(http, body);
                action = fields.GetValueOrDefault("Action") ?? throw SqsErrors.MissingParameter("Action");
                sns = SnsActions.IsSnsAction(action) || fields.GetValueOrDefault("Version") == SnsActions.Version;
                input = new QueryInput(fields);
            }
            var handler = sns
                ? SnsActions.Find(action) ?? throw SnsErrors.InvalidAction(action)
                : SqsActions.Find(action) ?? throw (protocol == WireProtocol.Json ? SqsErrors.UnknownOperation(action) : SqsErrors.InvalidAction(action));

            bool signed = http.Request.Headers.ContainsKey("Authorization") || http.Request.Query.ContainsKey("X-Amz-Signature");
            var user = http.RequestServices.GetRequiredService<SqsAuthenticator>().Authenticate(() => SignedRequestOf(http, body), signed, RemoteOf(http));
            SqsOutput output = protocol == WireProtocol.Json ? new JsonOutput() : sns ? new XmlOutput(action, SnsActions.Namespace, wrapped: true) : new XmlOutput(action);
            var request = new SqsRequest(service, protocol, action, user, input, output, BaseUrlOf(http), RemoteOf(http), http.RequestAborted);
            await handler(request).ConfigureAwait(false);
            ReadOnlyMemory<byte> answer = request.KeptAnswer ?? (output is JsonOutput json ? json.Finish() : ((XmlOutput)output).Finish(requestId));
            request.KeepAnswer?.Invoke(answer);
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = protocol == WireProtocol.Json ? JsonContentType : "text/xml";
            http.Response.ContentLength = answer.Length;
            await http.Response.Body.WriteAsync(answer, http.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client went away (a long poll it gave up on): nobody to answer.
        }
        catch (Exception e) when (!http.Response.HasStarted)
        {
            var error = e switch
            {
                SqsException sqs => sqs,
                BrokerException broker => sns ? SnsErrors.FromBroker(broker) : FromBroker(broker),
                _ => null,
            };
            if (error is null)
            {
                var log = http.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Tidings.Sqs");
                log?.LogError(e, "SQS {Action} failed", action);
                service.Broker.Faults.Report($"SQS {action}", e);
                error = sns ? SnsErrors.Internal() : SqsErrors.Internal();
            }
            await WriteErrorAsync(http, protocol, error, requestId, sns).ConfigureAwait(false);
        }
    }

    /// <summary>Disposes a parsed JSON input when the request ends.</summary>
    private sealed class InputScope : IDisposable
    {
        public JsonInput? Input { get; set; }

        public void Dispose() => Input?.Dispose();
    }

    /// <summary>What a core refusal means in SQS terms.</summary>
    private static SqsException FromBroker(BrokerException e) => e.Error switch
    {
        BrokerError.NotFound => SqsErrors.QueueDoesNotExist(),
        BrokerError.AccessRefused => SqsErrors.AccessDenied(e.Message),
        BrokerError.ResourceLocked => SqsErrors.QueueDoesNotExist(),
        BrokerError.ResourceError => new SqsException("ServiceUnavailable", e.Message, "ServiceUnavailable", HttpStatusCode.ServiceUnavailable, senderFault: false),
        _ => SqsErrors.InvalidParameterValue(e.Message),
    };

    private static async Task WriteErrorAsync(HttpContext http, WireProtocol protocol, SqsException error, string requestId, bool sns)
    {
        http.Response.StatusCode = (int)error.Status;
        byte[] body;
        if (protocol == WireProtocol.Json)
        {
            http.Response.ContentType = JsonContentType;
            http.Response.Headers["x-amzn-query-error"] = $"{error.QueryCode};{(error.SenderFault ? "Sender" : "Receiver")}";
            using var output = new JsonOutput();
            output.String("__type", sns ? "com.amazonaws.sns#" + error.Code : error.JsonType);
            output.String("message", error.Message);
            body = output.Finish().ToArray();
        }
        else
        {
            http.Response.ContentType = "text/xml";
            var xml = new StringBuilder();
            xml.Append("<?xml version=\"1.0\"?><ErrorResponse xmlns=\"").Append(sns ? SnsActions.Namespace : XmlOutput.Namespace).Append("\"><Error><Type>")
                .Append(error.SenderFault ? "Sender" : "Receiver").Append("</Type><Code>").Append(Escape(error.QueryCode))
                .Append("</Code><Message>").Append(Escape(error.Message)).Append("</Message><Detail/></Error><RequestId>")
                .Append(requestId).Append("</RequestId></ErrorResponse>");
            body = Encoding.UTF8.GetBytes(xml.ToString());
        }
        http.Response.ContentLength = body.Length;
        try
        {
            await http.Response.Body.WriteAsync(body, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The client went away before its error reached it.
        }
    }

    private static string Escape(string text) => System.Security.SecurityElement.Escape(XmlOutput.Clean(text)) ?? "";

    /// <summary>
    /// The body, at most <paramref name="limit"/> bytes; a larger one is refused before it is read
    /// whole. Read into one array of the announced length (clients send Content-Length), so a
    /// request costs no copy and no scratch buffer.
    /// </summary>
    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpContext http, int limit)
    {
        long? announced = http.Request.ContentLength;
        if (announced > limit) throw SqsErrors.RequestTooLarge(limit);
        var buffer = new byte[announced is { } length ? (int)length : 4096];
        int filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (announced is not null) break; // all of it: a longer body is the server's to cut off, not ours
                if (buffer.Length >= limit) throw SqsErrors.RequestTooLarge(limit);
                Array.Resize(ref buffer, Math.Min(limit, buffer.Length * 2));
            }
            int read = await http.Request.Body.ReadAsync(buffer.AsMemory(filled), http.RequestAborted).ConfigureAwait(false);
            if (read == 0) break;
            filled += read;
        }
        return buffer.AsMemory(0, filled);
    }

    /// <summary>Query protocol fields: the query string's, then the form body's (which win).</summary>
    private static Dictionary<string, string> QueryFields(HttpContext http, ReadOnlyMemory<byte> body)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in QueryHelpers.ParseQuery(http.Request.QueryString.Value)) fields[key] = value.ToString();
        if (body.Length > 0)
        {
            string form;
            try
            {
                form = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(body.Span);
            }
            catch (DecoderFallbackException)
            {
                throw SqsErrors.MalformedQueryString("The request body is not valid UTF-8.");
            }
            foreach (var (key, value) in QueryHelpers.ParseQuery(form)) fields[key] = value.ToString();
        }
        return fields;
    }

    private static SignedRequest SignedRequestOf(HttpContext http, ReadOnlyMemory<byte> body)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in http.Request.Headers)
            foreach (var value in values) headers.Add(new(name, value ?? ""));
        string rawPath = http.Features.Get<IHttpRequestFeature>()?.RawTarget is { } target
            ? target.Split('?', 2)[0]
            : http.Request.PathBase + http.Request.Path;
        string rawQuery = http.Request.QueryString.HasValue ? http.Request.QueryString.Value![1..] : "";
        return new SignedRequest(http.Request.Method, rawPath, rawQuery, headers, body);
    }

    private static EndPoint? RemoteOf(HttpContext http) =>
        http.Connection.RemoteIpAddress is { } address ? new IPEndPoint(address, http.Connection.RemotePort) : null;

    private static string BaseUrlOf(HttpContext http) => $"{http.Request.Scheme}://{http.Request.Host}";
}
