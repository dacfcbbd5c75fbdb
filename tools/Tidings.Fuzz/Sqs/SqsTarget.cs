using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tidings.Fuzz.Http;

namespace Tidings.Fuzz.Sqs;

/// <summary>
/// The SQS API (src/Tidings.Sqs) in memory: seed calls of every action in both wire protocols,
/// with the JSON body mutated as a tree (<see cref="JsonMutator"/> plus SQS's own values), the
/// Query form's fields and encoding mutated (<see cref="FormMutator"/>), and the headers that pick
/// the protocol (X-Amz-Target, Content-Type) and the signature (Authorization, X-Amz-Date) garbled.
/// Every answer must pass <see cref="SqsResponseCheck"/>, nothing may be logged at Error or reported
/// to Broker.Faults, and after every call the broker must still answer ListQueues.
/// </summary>
internal sealed class SqsTarget : IFuzzTarget
{
    /// <summary>The server (and its broker) is rebuilt after this many calls, so state stays small.</summary>
    private const int RequestsPerHost = 400;

    /// <summary>Largest input made: a little over the endpoint's 2 MiB body limit.</summary>
    private const int MaxInputBytes = 3 * 1024 * 1024;

    private static readonly string[] Targets =
        ["AmazonSQS.", "AmazonSQS", "amazonsqs.ListQueues", "AmazonSQS.MakeCoffee", "AmazonSQS.SendMessage ", " AmazonSQS.ListQueues",
         "AmazonSQS.ListQueues.Extra", "AmazonSQS..", "AmazonSQS.Names", "AmazonSNS.Publish", "", "AmazonSQS.createQueue",
         "AmazonSQS.ListQueues,AmazonSQS.DeleteQueue", "AmazonSQS.%41ddPermission", "AmazonSQS." + new string('A', 5000)];

    private static readonly string[] ContentTypes =
        ["application/x-amz-json-1.0", "application/x-amz-json-1.1", "application/json", "text/plain",
         "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=utf-8",
         "application/x-www-form-urlencoded; charset=iso-8859-1", "multipart/form-data; boundary=x", "", ";;;", "*/*"];

    private static readonly string[] Authorizations =
        ["AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host;x-amz-date, Signature=" + new string('0', 64),
         "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/20260101/us-east-1/sqs/aws4_request, SignedHeaders=, Signature=",
         "AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=host, Signature=zz", "AWS4-HMAC-SHA256 Credential", "AWS4-HMAC-SHA256 ,,,,=",
         "AWS4-HMAC-SHA256 Credential=AKIDFUZZ/2026/us-east-1/sqs/aws4_request,Credential=x, SignedHeaders=host, Signature=0",
         "AWS AKIDFUZZ:c2ln", "Basic Z3Vlc3Q6Z3Vlc3Q=", "", "AWS4-HMAC-SHA256"];

    private static readonly string[] Dates = ["20260101T000000Z", "20261301T000000Z", "20260101", "0", "", "99991231T235959Z", "Thu, 01 Jan 2026 00:00:00 GMT"];

    private static readonly string[] Paths = ["/", "/000000000000/fz-q", "/000000000000/fz-q.fifo", "/queue/fz-q", "/%2F", "/000000000000/missing", "//"];

    private static readonly byte[] ListQueues = "{}"u8.ToArray();

    private SqsHost? _host;
    private int _requestsOnHost;
    private readonly SortedDictionary<string, long> _statuses = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _errorCodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _actionsAnswered = new(StringComparer.Ordinal);

    public string Name => "sqs";

    private SqsHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task StartAsync()
    {
        _host = await SqsHost.StartAsync().ConfigureAwait(false);
        await PrepareAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private async Task PrepareAsync(CancellationToken cancellation)
    {
        await RequireAsync("CreateQueue", """{"QueueName":"fz-dlq"}""", cancellation).ConfigureAwait(false);
        await RequireAsync("CreateQueue", """{"QueueName":"fz-q","Attributes":{"RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:fz-dlq\",\"maxReceiveCount\":\"5\"}"}}""", cancellation).ConfigureAwait(false);
        await RequireAsync("CreateQueue", """{"QueueName":"fz-q.fifo","Attributes":{"FifoQueue":"true","ContentBasedDeduplication":"true"}}""", cancellation).ConfigureAwait(false);
        await RequireAsync("SendMessage", $$"""{"QueueUrl":"{{SqsCorpus.Queue}}","MessageBody":"ready"}""", cancellation).ConfigureAwait(false);
        await RequireAsync("SendMessage", $$"""{"QueueUrl":"{{SqsCorpus.DeadLetters}}","MessageBody":"dead"}""", cancellation).ConfigureAwait(false);
    }

    private static SqsCase JsonCall(string action, byte[] body) =>
        new("POST", "/", [("X-Amz-Target", "AmazonSQS." + action), ("Content-Type", "application/x-amz-json-1.0")], body);

    private async Task<byte[]> RequireAsync(string action, string json, CancellationToken cancellation)
    {
        var response = await Host.SendAsync(JsonCall(action, Encoding.UTF8.GetBytes(json)), cancellation).ConfigureAwait(false);
        if (response.Status != 200) throw new InvalidOperationException($"{action} → {response.Status}: {response.Text}");
        return response.Body;
    }

    public byte[] NextInput(Random random)
    {
        while (true)
        {
            var seed = SqsCorpus.Seeds[random.Next(SqsCorpus.Seeds.Length)];
            SqsCase request = seed.IsJson ? MutateJson(random, seed) : MutateQuery(random, seed);
            if (random.Next(6) == 0) request = MutateHeaders(random, request);
            if (random.Next(12) == 0) request = request with { Target = Paths[random.Next(Paths.Length)] + (request.Target.Contains('?') ? request.Target[request.Target.IndexOf('?')..] : "") };
            byte[] input = request.Encode();
            // Just past the 2 MiB body limit is a test; hundreds of MiB (a long value repeated) only times out the harness.
            if (input.Length <= MaxInputBytes) return input;
        }
    }

    private static SqsCase MutateJson(Random random, SqsSeed seed)
    {
        var headers = new List<(string, string)> { ("X-Amz-Target", "AmazonSQS." + seed.Action), ("Content-Type", "application/x-amz-json-1.0") };
        byte[] body;
        switch (random.Next(8))
        {
            case 0: body = Encoding.UTF8.GetBytes(seed.Json!.ToJsonString()); break; // The seed as it is: reaches deep states.
            case 1:
            case 2:
            case 3: body = Encoding.UTF8.GetBytes(SqsValues(random, seed.Json!).ToJsonString()); break;
            default:
                var corpus = SqsCorpus.Seeds.Where(s => s.IsJson).Select(s => Encoding.UTF8.GetBytes(s.Json!.ToJsonString())).ToList();
                body = JsonMutator.Mutate(random, random.Next(2) == 0 ? SqsValues(random, seed.Json!) : seed.Json, corpus);
                break;
        }
        return new SqsCase("POST", "/", headers, body);
    }

    /// <summary>One to three members replaced by SQS vocabulary (as a string, a number, a list, a map), or added.</summary>
    private static JsonNode SqsValues(Random random, JsonNode seed)
    {
        var root = seed.DeepClone();
        int rounds = 1 + random.Next(3);
        for (int i = 0; i < rounds; i++)
        {
            var all = new List<JsonNode>();
            Collect(root, all);
            var target = all[random.Next(all.Count)];
            string value = random.Next(8) == 0 ? FormMutator.LongValue(random) : SqsCorpus.Values[random.Next(SqsCorpus.Values.Length)];
            JsonNode? replacement = random.Next(6) switch
            {
                0 => int.TryParse(value, out int n) ? JsonValue.Create(n) : JsonValue.Create(value),
                1 => new JsonArray(JsonValue.Create(value)),
                2 => new JsonObject { [value.Length > 0 ? value[..Math.Min(value.Length, 300)] : "k"] = JsonValue.Create(value) },
                _ => JsonValue.Create(value),
            };
            if (target is JsonObject obj && random.Next(3) == 0)
            {
                string key = SqsCorpus.Values[random.Next(SqsCorpus.Values.Length)];
                obj[key.Length > 300 ? key[..300] : key] = replacement;
            }
            else if (target.Parent is JsonObject parent)
            {
                parent[target.GetPropertyName()] = replacement;
            }
            else if (target.Parent is JsonArray array)
            {
                array[target.GetElementIndex()] = replacement;
            }
        }
        return root;
    }

    private static void Collect(JsonNode node, List<JsonNode> all)
    {
        all.Add(node);
        if (node is JsonObject o) foreach (var (_, v) in o) { if (v is not null) Collect(v, all); }
        else if (node is JsonArray a) foreach (var v in a) { if (v is not null) Collect(v, all); }
    }

    private static SqsCase MutateQuery(Random random, SqsSeed seed)
    {
        var fields = random.Next(6) == 0 ? seed.Fields!.ToList() : FormMutator.MutateFields(random, seed.Fields!, SqsCorpus.Seeds);
        string form = FormMutator.Encode(fields);
        byte[] body = random.Next(4) == 0 ? FormMutator.MutateText(random, form) : Encoding.UTF8.GetBytes(form);
        var headers = new List<(string, string)> { ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8") };
        switch (random.Next(10))
        {
            case 0:
                // Old clients: everything in the query string of a GET.
                return new SqsCase("GET", "/?" + Encoding.UTF8.GetString(body), [], []);
            case 1:
                // Some fields in the query string, the rest (which win) in the body.
                int split = random.Next(fields.Count + 1);
                return new SqsCase("POST", "/?" + FormMutator.Encode(fields.Take(split)), headers, Encoding.UTF8.GetBytes(FormMutator.Encode(fields.Skip(split))));
            default:
                return new SqsCase("POST", "/", headers, body);
        }
    }

    private static SqsCase MutateHeaders(Random random, SqsCase request)
    {
        var headers = request.Headers.ToList();
        switch (random.Next(7))
        {
            case 0:
            case 1:
                headers.RemoveAll(h => h.Item1 == "X-Amz-Target");
                headers.Add(("X-Amz-Target", Targets[random.Next(Targets.Length)]));
                break;
            case 2:
                // The other protocol's marker: a form read as JSON, a JSON body read as a form.
                if (!headers.RemoveAll(h => h.Item1 == "X-Amz-Target").Equals(0)) break;
                headers.Add(("X-Amz-Target", "AmazonSQS." + SqsResponseCheck.ActionOf(request)));
                break;
            case 3:
                headers.RemoveAll(h => h.Item1 == "Content-Type");
                headers.Add(("Content-Type", ContentTypes[random.Next(ContentTypes.Length)]));
                break;
            case 4:
                headers.Add(("Authorization", Authorizations[random.Next(Authorizations.Length)]));
                headers.Add(("X-Amz-Date", Dates[random.Next(Dates.Length)]));
                break;
            case 5:
                headers.Add(("X-Amz-Content-Sha256", random.Next(2) == 0 ? "UNSIGNED-PAYLOAD" : "zz"));
                headers.Add(("Authorization", Authorizations[0]));
                break;
            default:
                return request with { Method = new[] { "PUT", "DELETE", "PATCH", "OPTIONS", "GET" }[random.Next(5)] };
        }
        return request with { Headers = headers };
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
        var request = LongPollGuard.Apply(SqsCase.Decode(input));
        request = await ResolveAsync(request, cancellation).ConfigureAwait(false);
        SqsResponse response;
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
            return Failure.FromException($"exception from {SqsResponseCheck.ActionOf(request)}", e);
        }
        string protocol = request.IsJson ? "json" : "query";
        _statuses[$"{protocol} {response.Status}"] = _statuses.GetValueOrDefault($"{protocol} {response.Status}") + 1;
        if (response.Status == 200) _actionsAnswered.Add(SqsResponseCheck.ActionOf(request));
        if (Host.Errors.Take() is { } logged)
            return logged.Exception is { } e
                ? Failure.FromException("server logged an exception or reported a fault", e)
                : new Failure("server logged an error", logged.Text);
        var failure = SqsResponseCheck.Inspect(request, response, out string? code);
        if (code is not null) _errorCodes[code] = _errorCodes.GetValueOrDefault(code) + 1;
        return failure ?? await ListQueuesAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>A "{receipt}" becomes a live receipt handle: a message sent to fz-q and received.</summary>
    private async Task<SqsCase> ResolveAsync(SqsCase request, CancellationToken cancellation)
    {
        byte[] placeholder = Encoding.UTF8.GetBytes(SqsCase.ReceiptPlaceholder);
        if (request.Body.AsSpan().IndexOf(placeholder) < 0) return request;
        string receipt = "AQEBnone";
        var created = await Host.SendAsync(JsonCall("CreateQueue", """{"QueueName":"fz-q"}"""u8.ToArray()), cancellation).ConfigureAwait(false);
        if (created.Status == 200)
        {
            await Host.SendAsync(JsonCall("SendMessage", Encoding.UTF8.GetBytes($$"""{"QueueUrl":"{{SqsCorpus.Queue}}","MessageBody":"receipt"}""")), cancellation).ConfigureAwait(false);
            var received = await Host.SendAsync(JsonCall("ReceiveMessage", Encoding.UTF8.GetBytes($$"""{"QueueUrl":"{{SqsCorpus.Queue}}","WaitTimeSeconds":0,"VisibilityTimeout":30}""")), cancellation).ConfigureAwait(false);
            if (received.Status == 200)
            {
                using var document = JsonDocument.Parse(received.Body);
                if (document.RootElement.TryGetProperty("Messages", out var messages) && messages.GetArrayLength() > 0)
                    receipt = messages[0].GetProperty("ReceiptHandle").GetString() ?? receipt;
            }
        }
        Host.Errors.Take(); // Set-up calls are not under test here; their failures show in the call itself.
        string value = request.IsJson ? receipt : Uri.EscapeDataString(receipt);
        string body = Encoding.Latin1.GetString(request.Body).Replace(SqsCase.ReceiptPlaceholder, value, StringComparison.Ordinal);
        return request with { Body = Encoding.Latin1.GetBytes(body) };
    }

    /// <summary>The state-level check after every call: the broker still lists its queues, in JSON.</summary>
    private async Task<Failure?> ListQueuesAsync(CancellationToken cancellation)
    {
        var response = await Host.SendAsync(JsonCall("ListQueues", ListQueues), cancellation).ConfigureAwait(false);
        if (response.Status != 200) return new Failure("state: ListQueues no longer answers 200", $"{response.Status}: {SqsResponseCheck.Shorten(response.Text)}");
        try
        {
            using var _ = JsonDocument.Parse(response.Body);
        }
        catch (JsonException e)
        {
            return new Failure("state: ListQueues answers invalid JSON", e.Message);
        }
        if (Host.Errors.Take() is { } logged) return new Failure("state: ListQueues logged an error", logged.Text);
        return null;
    }

    public async Task<Failure?> CheckHealthAsync(CancellationToken cancellation)
    {
        if (await ListQueuesAsync(cancellation).ConfigureAwait(false) is { } broken) return new Failure("health: " + broken.Kind, broken.Detail);
        var query = await Host.SendAsync(new SqsCase("POST", "/", [("Content-Type", "application/x-www-form-urlencoded")], "Action=ListQueues&Version=2012-11-05"u8.ToArray()), cancellation)
            .ConfigureAwait(false);
        if (query.Status != 200) return new Failure("health: Query ListQueues no longer answers 200", $"{query.Status}: {SqsResponseCheck.Shorten(query.Text)}");
        try
        {
            System.Xml.Linq.XDocument.Parse(query.Text);
        }
        catch (System.Xml.XmlException e)
        {
            return new Failure("health: Query ListQueues answers ill-formed XML", e.Message);
        }
        if (Host.Errors.Take() is { } logged) return new Failure("health: server logged an error", logged.Text);
        return null;
    }

    public string Summary() =>
        $"responses by protocol and status: {string.Join(", ", _statuses.Select(kv => $"{kv.Key}: {kv.Value}"))}; " +
        $"actions answered 200: {_actionsAnswered.Count} ({string.Join(", ", _actionsAnswered.Order(StringComparer.Ordinal))}); " +
        $"error codes: {string.Join(", ", _errorCodes.Select(kv => $"{kv.Key}: {kv.Value}"))}";

    public async ValueTask DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync().ConfigureAwait(false);
    }
}
