namespace Tidings.Core.Definitions;

/// <summary>What <see cref="DefinitionsJson.Read"/> or <see cref="DefinitionsImport"/> found wrong with one entry.</summary>
/// <param name="Message">For the log or a 400 reply, e.g. "queues: an entry has no name".</param>
/// <param name="Kind">Whether the input was wrong or the entry was only left out.</param>
public sealed record DefinitionsProblem(string Message, DefinitionsProblemKind Kind);

/// <summary>How bad a <see cref="DefinitionsProblem"/> is; in both cases the entry is not applied.</summary>
public enum DefinitionsProblemKind
{
    /// <summary>The entry is invalid or the broker refused it: an HTTP import answers 400, the file reports it.</summary>
    Invalid,

    /// <summary>The entry is left out by design (a default-exchange binding): an HTTP import says nothing, the file reports it.</summary>
    Omitted,
}
