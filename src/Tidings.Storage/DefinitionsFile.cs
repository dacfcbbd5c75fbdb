using System.Text.Json;
using Tidings.Core;
using Tidings.Core.Definitions;

namespace Tidings.Storage;

/// <summary>
/// The durable definitions (virtual hosts, users, permissions, durable exchanges, queues and
/// bindings) in one JSON file in RabbitMQ's definitions format (<see cref="DefinitionsJson"/>;
/// binary and other typed arguments in its exact style, so they come back as they were).
/// Written atomically: a temporary file is written and fsynced, then renamed over the old one,
/// so a crash leaves either the old or the new file, never half of one.
/// </summary>
public static class DefinitionsFile
{
    public const string FileName = "definitions.json";

    /// <summary>
    /// Room for arguments nested as deep as the core allows (BrokerLimits.MaxTableDepth) inside
    /// the file's own levels; the reader's default (64) would refuse what the broker accepted.
    /// </summary>
    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = 4 * Core.Limits.BrokerLimits.MaxTableDepth };

    /// <summary>Writes the broker's durable definitions to <paramref name="directory"/>.</summary>
    public static void Save(Broker broker, string directory)
    {
        byte[] json = DefinitionsJson.Write(DefinitionsExport.From(broker, new DefinitionsExportOptions { DurableOnly = true }), indented: true);
        AtomicFile.Replace(Path.Combine(directory, FileName), json);
    }

    /// <summary>
    /// Applies the saved definitions to a fresh broker. A missing file is a first start; an
    /// unreadable one is reported (and kept aside as .corrupt) and the broker starts with defaults.
    /// Each entry that cannot be read or applied is reported and skipped; the rest is applied.
    /// </summary>
    /// <returns>Problems found, for the log; empty when all went well.</returns>
    public static IReadOnlyList<string> Load(Broker broker, string directory)
    {
        string path = Path.Combine(directory, FileName);
        var problems = new List<string>();
        if (!File.Exists(path)) return problems;
        JsonDocument document;
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            // The JSON reader checks UTF-8 only when a string is read, deep inside the restore
            // (found by fuzzing): damaged text is caught here, as damaged JSON is.
            if (!System.Text.Unicode.Utf8.IsValid(bytes)) throw new JsonException("the file is not valid UTF-8");
            document = JsonDocument.Parse(bytes, ReadOptions);
        }
        catch (JsonException e)
        {
            string aside = path + ".corrupt";
            File.Move(path, aside, overwrite: true);
            problems.Add($"{path} is not valid JSON ({e.Message}); moved to {aside}, starting with default definitions");
            return problems;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add($"{path} does not hold a definitions object; ignored");
                return problems;
            }
            void Report(DefinitionsProblem problem) => problems.Add($"{problem.Message}; skipped");
            try
            {
                // Numbers beyond a double's range stay text: refusing them would lose the object.
                var definitions = DefinitionsJson.Read(document.RootElement, Report, outOfRangeAsText: true);
                DefinitionsImport.Apply(broker, definitions, new DefinitionsImportOptions { Report = Report, SkipRefused = true, AllDurable = true });
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Not expected (the reader checks every kind it reads), but a start must not fail
                // on a file: what was applied before it stays, the rest is reported.
                problems.Add($"{path}: {e.Message}; the definitions after it were not applied");
            }
        }
        return problems;
    }
}
