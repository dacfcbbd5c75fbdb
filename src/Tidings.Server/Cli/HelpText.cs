namespace Tidings.Server.Cli;

/// <summary>Renders help from the verb registry, so a new verb or flag is documented by declaring it.</summary>
internal static class HelpText
{
    // Column where flag and setting descriptions start; longer names push the description to the next line.
    private const int DescriptionColumn = 30;
    // Column where command summaries start.
    private const int SummaryColumn = 12;
    // Descriptions wrap to fit a terminal of this width.
    private const int LineWidth = 100;

    /// <summary>Usage, the verbs and exit codes; printed on stderr when no verb is given.</summary>
    public static void WriteOverview(TextWriter writer)
    {
        writer.WriteLine("Tidings - a RabbitMQ-compatible message broker.");
        writer.WriteLine();
        writer.WriteLine("Usage:");
        writer.WriteLine("  tidings <command> [flags]");
        writer.WriteLine("  tidings <command> --help");
        writer.WriteLine();
        writer.WriteLine("Commands:");
        foreach (var verb in Verbs.All)
        {
            WriteColumns(writer, "  " + verb.Name, verb.Summary, SummaryColumn);
        }
        writer.WriteLine();
        writer.WriteLine("Exit codes: 0 success, 1 failure (bad configuration, port in use, no command),");
        writer.WriteLine("2 invalid command line (unknown command or flag, missing or malformed value).");
    }

    /// <summary>The overview followed by every verb's flags and settings: <c>tidings --help</c>.</summary>
    public static void WriteFull(TextWriter writer)
    {
        WriteOverview(writer);
        foreach (var verb in Verbs.All.Where(v => v.Flags.Count > 0 || v.Settings.Count > 0))
        {
            writer.WriteLine();
            writer.WriteLine(new string('-', 78));
            WriteVerb(writer, verb);
        }
    }

    public static void WriteVerb(TextWriter writer, Verb verb)
    {
        var positional = verb.PositionalUsage.Length > 0 ? " " + verb.PositionalUsage : "";
        var flags = verb.Flags.Count > 0 ? " [flags]" : "";
        writer.WriteLine($"Usage: tidings {verb.Name}{flags}{positional}");
        writer.WriteLine();
        writer.WriteLine(verb.Summary);
        writer.WriteLine();
        writer.WriteLine("Flags:");
        foreach (var flag in verb.Flags)
        {
            var name = flag.TakesValue ? $"  {flag.Name} <{flag.ValueName}>" : "  " + flag.Name;
            WriteColumns(writer, name, flag.Description);
            var origin = Origin(flag.Default, flag.ConfigKey, flag.EnvironmentVariable);
            if (origin.Count > 0)
            {
                WriteColumns(writer, "", origin, "; ");
            }
        }
        WriteColumns(writer, "  -h, --help", "Show this help.");

        if (verb.Settings.Count > 0)
        {
            writer.WriteLine();
            writer.WriteLine("Settings without a flag (tidings.json or environment):");
            foreach (var setting in verb.Settings)
            {
                var origin = Origin(setting.Default, null, setting.EnvironmentVariable);
                if (setting.Description.Length > 0)
                {
                    WriteColumns(writer, "  " + setting.ConfigKey, setting.Description);
                    WriteColumns(writer, "", origin, "; ");
                }
                else
                {
                    // Undocumented property (its assembly ships no XML documentation): key and origin only.
                    WriteColumns(writer, "  " + setting.ConfigKey, origin, "; ");
                }
            }
        }

        foreach (var note in verb.Notes)
        {
            writer.WriteLine();
            writer.WriteLine(note);
        }
    }

    private static List<string> Origin(string? defaultValue, string? configKey, string? environmentVariable)
    {
        var parts = new List<string>(3);
        if (defaultValue is not null)
        {
            parts.Add($"default: {defaultValue}");
        }
        if (configKey is not null)
        {
            parts.Add($"config: {configKey}");
        }
        if (environmentVariable is not null)
        {
            parts.Add($"env: {environmentVariable}");
        }
        return parts;
    }

    private static void WriteColumns(TextWriter writer, string left, string right, int column = DescriptionColumn) =>
        WriteColumns(writer, left, right.Split(' ', StringSplitOptions.RemoveEmptyEntries), " ", column);

    /// <summary>Writes <paramref name="left"/>, then <paramref name="units"/> from the column on, wrapping only between units.</summary>
    private static void WriteColumns(TextWriter writer, string left, IEnumerable<string> units, string separator, int column = DescriptionColumn)
    {
        if (left.Length >= column - 1)
        {
            writer.WriteLine(left);
            left = "";
        }
        var width = Math.Max(LineWidth - column, 30);
        var line = new System.Text.StringBuilder(left.PadRight(column));
        var lineIsEmpty = true;
        foreach (var unit in units)
        {
            if (!lineIsEmpty && line.Length + separator.Length + unit.Length > column + width)
            {
                writer.WriteLine(line.Append(separator.TrimEnd()).ToString());
                line.Clear().Append(' ', column);
                lineIsEmpty = true;
            }
            if (!lineIsEmpty)
            {
                line.Append(separator);
            }
            line.Append(unit);
            lineIsEmpty = false;
        }
        writer.WriteLine(line.ToString().TrimEnd());
    }
}
