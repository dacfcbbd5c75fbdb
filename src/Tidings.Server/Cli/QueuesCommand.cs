namespace Tidings.Server.Cli;

/// <summary><c>tidings queues</c>: the queues of one virtual host, from the management API.</summary>
internal static class QueuesCommand
{
    public static Verb Verb { get; } = new(
        "queues",
        "List the queues of a virtual host of a running broker, through its management API.",
        [.. ManagementClient.ConnectionFlags, ManagementClient.Vhost],
        RunAsync)
    {
        Notes = ["Columns: name, messages (ready + unacked), ready, unacked, consumers, durable; sorted by name. Exit code 1 when the API refuses (the reason is printed)."],
    };

    private static Task<int> RunAsync(VerbInvocation invocation) => ManagementClient.RunAsync(invocation, async client =>
    {
        string vhost = invocation.Arguments[ManagementClient.Vhost.Name] ?? "/";
        var queues = await client.GetListAsync("api/queues/" + ManagementClient.Segment(vhost)).ConfigureAwait(false);
        var table = new TableWriter(
            new TableColumn("name"), new TableColumn("messages", AlignRight: true), new TableColumn("ready", AlignRight: true),
            new TableColumn("unacked", AlignRight: true), new TableColumn("consumers", AlignRight: true), new TableColumn("durable"));
        foreach (var queue in queues.OrderBy(q => ManagementClient.Text(q, "name"), StringComparer.Ordinal))
        {
            table.AddRow(
                ManagementClient.Text(queue, "name"),
                ManagementClient.Text(queue, "messages"),
                ManagementClient.Text(queue, "messages_ready"),
                ManagementClient.Text(queue, "messages_unacknowledged"),
                ManagementClient.Text(queue, "consumers"),
                ManagementClient.Text(queue, "durable"));
        }
        table.Write(invocation.Output);
        return ExitCodes.Success;
    });
}
