using Tidings.Sqs.Protocol;

namespace Tidings.Sqs.Actions;

/// <summary>The rules every batch action shares: 1 to 10 entries, distinct ids of at most 80 alphanumerics, hyphens and underscores.</summary>
public static class BatchEntries
{
    public const int MaxEntries = 10;

    /// <summary>The entries of <paramref name="listName"/> (Query: <paramref name="queryName"/>.N.*), checked.</summary>
    public static List<(string Id, SqsInput Entry)> Read(SqsInput input, string listName, string queryName)
    {
        var entries = input.Entries(listName, queryName);
        if (entries.Count == 0) throw SqsErrors.EmptyBatchRequest();
        if (entries.Count > MaxEntries) throw SqsErrors.TooManyEntriesInBatchRequest(entries.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var read = new List<(string, SqsInput)>(entries.Count);
        foreach (var entry in entries)
        {
            string id = entry.String("Id") ?? throw SqsErrors.MissingParameter($"{listName}.Id");
            if (id.Length is 0 or > 80 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) throw SqsErrors.InvalidBatchEntryId(id);
            if (!ids.Add(id)) throw SqsErrors.BatchEntryIdsNotDistinct(id);
            read.Add((id, entry));
        }
        return read;
    }

    /// <summary>Writes the Failed list of a batch answer (nothing when every entry succeeded).</summary>
    public static void WriteFailed(SqsOutput output, IReadOnlyList<(string Id, SqsException Error)> failed)
    {
        output.StartList("Failed", "BatchResultErrorEntry");
        foreach (var (id, error) in failed)
        {
            output.StartItem();
            output.String("Id", id);
            output.Bool("SenderFault", error.SenderFault);
            output.String("Code", error.Code);
            output.String("Message", error.Message);
            output.EndItem();
        }
        output.EndList();
    }
}
