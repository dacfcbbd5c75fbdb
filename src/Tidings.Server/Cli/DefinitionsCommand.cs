using System.Text.Encodings.Web;
using System.Text.Json;

namespace Tidings.Server.Cli;

/// <summary>
/// <c>tidings definitions export|import</c>: the broker's topology (users, vhosts, permissions,
/// queues, exchanges, bindings, policies) as RabbitMQ's definitions JSON, through GET and POST
/// /api/definitions, so a file exported from RabbitMQ imports here and the other way round.
/// </summary>
internal static class DefinitionsCommand
{
    private const string Stdio = "-";

    private static readonly Flag File = new("--file", "path", "File to write (export) or read (import); - is stdout or stdin.")
    {
        Default = "- (export only)",
        Validate = FlagValues.NotEmpty,
    };

    private static readonly Flag Vhost = new("--vhost", "name",
        "Only this virtual host's definitions (without users, vhosts and permissions); default: the whole broker.");

    public static Verb Verb { get; } = new(
        "definitions",
        "Export or import the definitions (topology, users, policies) of a running broker, through its management API.",
        [.. ManagementClient.ConnectionFlags, File, Vhost],
        RunAsync)
    {
        PositionalUsage = "export|import",
        MaxPositionals = 1,
        Notes =
        [
            "The format is RabbitMQ's definitions JSON. Import merges: objects missing from the file are kept,\n"
            + "existing queues, exchanges and bindings are left as they are, users and policies are overwritten.",
        ],
    };

    private static Task<int> RunAsync(VerbInvocation invocation)
    {
        var args = invocation.Arguments;
        string path = args[File.Name] ?? Stdio;
        return args.Positionals switch
        {
            ["export"] => ManagementClient.RunAsync(invocation, client => ExportAsync(client, invocation, path)),
            ["import"] when args[File.Name] is null => throw new UsageException("import needs --file <path> (- reads stdin)"),
            ["import"] => ManagementClient.RunAsync(invocation, client => ImportAsync(client, invocation, path)),
            [var other] => throw new UsageException($"unknown sub-command '{other}': expected export or import"),
            _ => throw new UsageException("expected a sub-command: export or import"),
        };
    }

    private static string ApiPath(VerbInvocation invocation) =>
        invocation.Arguments[Vhost.Name] is { } vhost ? "api/definitions/" + ManagementClient.Segment(vhost) : "api/definitions";

    private static async Task<int> ExportAsync(ManagementClient client, VerbInvocation invocation, string path)
    {
        var definitions = await client.GetAsync(ApiPath(invocation)).ConfigureAwait(false);
        // Indented so the file diffs well under version control; names stay readable (no \uXXXX for non-ASCII).
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        if (path == Stdio)
        {
            using var buffer = new MemoryStream();
            await using (var writer = new Utf8JsonWriter(buffer, options)) definitions.WriteTo(writer);
            await invocation.Output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
            return ExitCodes.Success;
        }
        try
        {
            var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
            await using (stream.ConfigureAwait(false))
            {
                await using var writer = new Utf8JsonWriter(stream, options);
                definitions.WriteTo(writer);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await invocation.Error.WriteLineAsync($"tidings definitions: cannot write {path}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        await invocation.Output.WriteLineAsync($"exported definitions to {path}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> ImportAsync(ManagementClient client, VerbInvocation invocation, string path)
    {
        byte[] json;
        try
        {
            json = path == Stdio ? await ReadStdinAsync().ConfigureAwait(false) : await System.IO.File.ReadAllBytesAsync(path).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await invocation.Error.WriteLineAsync($"tidings definitions: cannot read {path}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        // Checked here so a truncated file gets a message pointing at the file, not a 400 from the broker.
        string? problem = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) problem = "expected a JSON object";
        }
        catch (JsonException e)
        {
            problem = e.Message;
        }
        if (problem is not null)
        {
            await invocation.Error.WriteLineAsync($"tidings definitions: {path} is not a definitions file: {problem}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        await client.PostJsonAsync(ApiPath(invocation), json).ConfigureAwait(false);
        await invocation.Output.WriteLineAsync($"imported definitions from {(path == Stdio ? "stdin" : path)}").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<byte[]> ReadStdinAsync()
    {
        using var buffer = new MemoryStream();
        await Console.OpenStandardInput().CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.ToArray();
    }
}
