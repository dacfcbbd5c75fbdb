using System.Text.Json;

namespace Tidings.Server.Cli;

/// <summary>
/// <c>tidings streams</c>: the stream queues (the logging queue's topics) of one virtual host, and
/// with <c>positions &lt;stream&gt;</c> one stream's consumer positions, from /api/streams.
/// </summary>
internal static class StreamsCommand
{
    public static Verb Verb { get; } = new(
        "streams",
        "List the streams (topics) of a virtual host of a running broker, or one stream's consumer positions, through its management API.",
        [.. ManagementClient.ConnectionFlags, ManagementClient.Vhost],
        RunAsync)
    {
        PositionalUsage = "[positions <stream>]",
        MaxPositionals = 2,
        Notes =
        [
            "Without a sub-command, columns: name, messages (kept), bytes (size of the log), segments, first and last offset\n"
            + "(- when empty), consumers (live), positions (stored), max-age and max-bytes (retention, - when none); sorted by name.",
            "positions <stream>, columns: name, kind (stored: a position the broker keeps, by consumer name or logging-queue\n"
            + "consumer id; live: a consumer connected now, by consumer tag), offset (the next one it reads), lag (kept messages\n"
            + "it has not read yet); stored positions first, each kind sorted by name.",
            "Exit code 1 when the API refuses (the reason is printed), e.g. 404 for a stream that does not exist.",
        ],
    };

    private static Task<int> RunAsync(VerbInvocation invocation)
    {
        string vhost = invocation.Arguments[ManagementClient.Vhost.Name] ?? "/";
        return invocation.Arguments.Positionals switch
        {
            [] => ManagementClient.RunAsync(invocation, client => ListAsync(client, invocation, vhost)),
            ["positions", var stream] => ManagementClient.RunAsync(invocation, client => PositionsAsync(client, invocation, vhost, stream)),
            ["positions"] => throw new UsageException("positions needs the name of a stream"),
            [var other, ..] => throw new UsageException($"unknown sub-command '{other}': expected positions <stream>"),
        };
    }

    private static async Task<int> ListAsync(ManagementClient client, VerbInvocation invocation, string vhost)
    {
        var streams = await client.GetListAsync("api/streams/" + ManagementClient.Segment(vhost)).ConfigureAwait(false);
        var table = new TableWriter(
            new TableColumn("name"), new TableColumn("messages", AlignRight: true), new TableColumn("bytes", AlignRight: true),
            new TableColumn("segments", AlignRight: true), new TableColumn("first", AlignRight: true),
            new TableColumn("last", AlignRight: true), new TableColumn("consumers", AlignRight: true),
            new TableColumn("positions", AlignRight: true), new TableColumn("max-age"), new TableColumn("max-bytes"));
        foreach (var stream in streams.OrderBy(s => ManagementClient.Text(s, "name"), StringComparer.Ordinal))
        {
            var details = stream.GetProperty("stream");
            var retention = details.GetProperty("retention");
            table.AddRow(
                ManagementClient.Text(stream, "name"),
                ManagementClient.Text(stream, "messages"),
                ManagementClient.Text(details, "size_bytes"),
                ManagementClient.Text(details, "segments"),
                ManagementClient.Text(details, "first_offset"),
                OrDash(ManagementClient.Text(details, "last_offset")),
                ManagementClient.Text(stream, "consumers"),
                details.GetProperty("consumer_positions").GetArrayLength().ToString(System.Globalization.CultureInfo.InvariantCulture),
                OrDash(ManagementClient.Text(retention, "max_age")),
                OrDash(ManagementClient.Text(retention, "max_length_bytes")));
        }
        table.Write(invocation.Output);
        return ExitCodes.Success;
    }

    private static async Task<int> PositionsAsync(ManagementClient client, VerbInvocation invocation, string vhost, string name)
    {
        var stream = await client.GetAsync($"api/streams/{ManagementClient.Segment(vhost)}/{ManagementClient.Segment(name)}")
            .ConfigureAwait(false);
        var details = stream.GetProperty("stream");
        var table = new TableWriter(
            new TableColumn("name"), new TableColumn("kind"), new TableColumn("offset", AlignRight: true),
            new TableColumn("lag", AlignRight: true));
        AddRows(details.GetProperty("consumer_positions"), "name", "stored");
        AddRows(details.GetProperty("live_consumers"), "consumer_tag", "live");
        table.Write(invocation.Output);
        return ExitCodes.Success;

        void AddRows(JsonElement rows, string nameField, string kind)
        {
            foreach (var row in rows.EnumerateArray().OrderBy(r => ManagementClient.Text(r, nameField), StringComparer.Ordinal))
                table.AddRow(ManagementClient.Text(row, nameField), kind, ManagementClient.Text(row, "offset"), ManagementClient.Text(row, "lag"));
        }
    }

    private static string OrDash(string text) => text.Length == 0 ? "-" : text;
}
