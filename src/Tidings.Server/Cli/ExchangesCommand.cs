namespace Tidings.Server.Cli;

/// <summary><c>tidings exchanges</c>: the exchanges of one virtual host, from the management API.</summary>
internal static class ExchangesCommand
{
    /// <summary>How the nameless default exchange is shown, as RabbitMQ's web UI shows it.</summary>
    private const string DefaultExchangeName = "(AMQP default)";

    public static Verb Verb { get; } = new(
        "exchanges",
        "List the exchanges of a virtual host of a running broker, through its management API.",
        [.. ManagementClient.ConnectionFlags, ManagementClient.Vhost],
        RunAsync)
    {
        Notes = [$"Columns: name, type, durable, auto_delete, internal; sorted by name, the default exchange shown as {DefaultExchangeName}."],
    };

    private static Task<int> RunAsync(VerbInvocation invocation) => ManagementClient.RunAsync(invocation, async client =>
    {
        string vhost = invocation.Arguments[ManagementClient.Vhost.Name] ?? "/";
        var exchanges = await client.GetListAsync("api/exchanges/" + ManagementClient.Segment(vhost)).ConfigureAwait(false);
        var table = new TableWriter(
            new TableColumn("name"), new TableColumn("type"), new TableColumn("durable"),
            new TableColumn("auto_delete"), new TableColumn("internal"));
        foreach (var exchange in exchanges.OrderBy(x => ManagementClient.Text(x, "name"), StringComparer.Ordinal))
        {
            string name = ManagementClient.Text(exchange, "name");
            table.AddRow(
                name.Length == 0 ? DefaultExchangeName : name,
                ManagementClient.Text(exchange, "type"),
                ManagementClient.Text(exchange, "durable"),
                ManagementClient.Text(exchange, "auto_delete"),
                ManagementClient.Text(exchange, "internal"));
        }
        table.Write(invocation.Output);
        return ExitCodes.Success;
    });
}
