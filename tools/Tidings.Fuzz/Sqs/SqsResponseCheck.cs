using System.Text.Json;
using System.Xml;
using System.Xml.Linq;

namespace Tidings.Fuzz.Sqs;

/// <summary>
/// What an SQS answer must look like whatever the call was: 200, 400, 403 or 413 (never a 5xx);
/// a request id header; in the JSON protocol a JSON object, an error with "__type", "message" and
/// x-amzn-query-error; in the Query protocol well-formed XML, an error as ErrorResponse with Type,
/// Code, Message and RequestId.
/// </summary>
internal static class SqsResponseCheck
{
    private static readonly XNamespace Sqs = "http://queue.amazonaws.com/doc/2012-11-05/";

    public static Failure? Inspect(SqsCase request, SqsResponse response, out string? errorCode)
    {
        errorCode = null;
        string action = ActionOf(request);
        string protocol = request.IsJson ? "JSON" : "Query";
        string where = $"{protocol} {action}";
        string shown = $"{request.Method} {Shorten(request.Target)} → {response.Status} {response.ContentType}: {Shorten(response.Text)}";
        if (response.Status >= 500) return new Failure($"HTTP {response.Status} from {where}", shown);
        if (response.Status is not (200 or 400 or 403 or 413)) return new Failure($"unexpected HTTP {response.Status} from {where}", shown);
        if (!response.Headers.ContainsKey("x-amzn-RequestId")) return new Failure($"no x-amzn-RequestId from {where}", shown);
        bool error = response.Status >= 400;
        if (request.IsJson)
        {
            if (response.ContentType != "application/x-amz-json-1.0") return new Failure($"JSON answer with content type {response.ContentType} from {where}", shown);
            try
            {
                using var document = JsonDocument.Parse(response.Body);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return new Failure($"JSON answer not an object from {where}", shown);
                if (error)
                {
                    if (!root.TryGetProperty("__type", out var type) || type.ValueKind != JsonValueKind.String ||
                        !root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.String)
                        return new Failure($"JSON error without __type and message from {where}", shown);
                    if (!response.Headers.ContainsKey("x-amzn-query-error")) return new Failure($"JSON error without x-amzn-query-error from {where}", shown);
                    errorCode = type.GetString();
                }
            }
            catch (JsonException e)
            {
                return new Failure($"JSON answer does not parse from {where}", $"{e.Message}{Environment.NewLine}{shown}");
            }
        }
        else
        {
            if (response.ContentType != "text/xml") return new Failure($"Query answer with content type {response.ContentType} from {where}", shown);
            try
            {
                var root = XDocument.Parse(response.Text).Root!;
                if (error)
                {
                    var detail = root.Element(Sqs + "Error");
                    if (root.Name != Sqs + "ErrorResponse" || detail is null || detail.Element(Sqs + "Type") is null ||
                        detail.Element(Sqs + "Code") is not { } code || detail.Element(Sqs + "Message") is null || root.Element(Sqs + "RequestId") is null)
                        return new Failure($"Query error not an ErrorResponse with Type, Code, Message, RequestId from {where}", shown);
                    errorCode = code.Value;
                }
                else if (root.Name.NamespaceName != Sqs.NamespaceName || !root.Name.LocalName.EndsWith("Response", StringComparison.Ordinal) ||
                         (action != "(other)" && root.Name.LocalName != action + "Response") || root.Element(Sqs + "ResponseMetadata")?.Element(Sqs + "RequestId") is null)
                {
                    return new Failure($"Query answer not a {action}Response with ResponseMetadata from {where}", shown);
                }
            }
            catch (XmlException e)
            {
                return new Failure($"Query answer is not well-formed XML from {where}", $"{e.Message}{Environment.NewLine}{shown}");
            }
        }
        return null;
    }

    /// <summary>The action as the server reads it, or "(other)" for a name the API does not have: groups findings by action.</summary>
    public static string ActionOf(SqsCase request)
    {
        string? action = null;
        if (request.IsJson)
        {
            string target = request.Header("X-Amz-Target") ?? "";
            action = target.StartsWith("AmazonSQS.", StringComparison.Ordinal) ? target["AmazonSQS.".Length..] : null;
        }
        else
        {
            // As the endpoint reads them: the query string's fields, then the body's, which win.
            int query = request.Target.IndexOf('?', StringComparison.Ordinal);
            foreach (string source in new[] { query >= 0 ? request.Target[query..] : "", System.Text.Encoding.UTF8.GetString(request.Body) })
            {
                if (Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(source).TryGetValue("Action", out var value)) action = value.ToString();
            }
        }
        return action is not null && Tidings.Sqs.Actions.SqsActions.Names.Contains(action) ? action : "(other)";
    }

    public static string Shorten(string text) => text.Length <= 600 ? text : text[..600] + $"… ({text.Length} chars)";
}
