namespace Tidings.Server.Cli;

/// <summary>Every verb of the executable, in the order the help text lists them.</summary>
internal static class Verbs
{
    public static IReadOnlyList<Verb> All { get; } =
    [
        ServeCommand.Verb,
        PublishCommand.Verb,
        ConsumeCommand.Verb,
        QueuesCommand.Verb,
        StreamsCommand.Verb,
        ExchangesCommand.Verb,
        ConnectionsCommand.Verb,
        DefinitionsCommand.Verb,
        VersionCommand.Verb,
        HelpCommand.Verb,
    ];

    public static Verb? Find(string name) => All.FirstOrDefault(v => v.Name == name);
}
