using System.Text;

namespace Tidings.Server.Cli;

/// <summary>One column of a <see cref="TableWriter"/>; numbers read best right-aligned.</summary>
internal sealed record TableColumn(string Header, bool AlignRight = false);

/// <summary>
/// Collects rows and prints them as an aligned text table: a header line, then one line per row,
/// columns separated by two spaces, no trailing spaces. Control characters in cells (a queue name
/// may hold a line feed) are shown escaped so every row stays on one line.
/// </summary>
internal sealed class TableWriter(params TableColumn[] columns)
{
    private const string Separator = "  ";

    /// <summary>Rows added so far, already escaped; each has one cell per column.</summary>
    private readonly List<string[]> _rows = [];

    public int RowCount => _rows.Count;

    /// <summary>Adds a row; it must have one cell per column.</summary>
    public void AddRow(params string[] cells)
    {
        if (cells.Length != columns.Length)
            throw new ArgumentException($"expected {columns.Length} cells, got {cells.Length}", nameof(cells));
        _rows.Add([.. cells.Select(Printable)]);
    }

    public void Write(TextWriter output)
    {
        var widths = new int[columns.Length];
        for (int c = 0; c < columns.Length; c++)
        {
            widths[c] = columns[c].Header.Length;
            foreach (var row in _rows) widths[c] = Math.Max(widths[c], row[c].Length);
        }
        WriteLine(output, widths, [.. columns.Select(c => c.Header)]);
        foreach (var row in _rows) WriteLine(output, widths, row);
    }

    private void WriteLine(TextWriter output, int[] widths, string[] cells)
    {
        var line = new StringBuilder();
        for (int c = 0; c < cells.Length; c++)
        {
            if (c > 0) line.Append(Separator);
            if (columns[c].AlignRight) line.Append(cells[c].PadLeft(widths[c]));
            else if (c < cells.Length - 1) line.Append(cells[c].PadRight(widths[c]));
            else line.Append(cells[c]);
        }
        output.WriteLine(line.ToString().TrimEnd());
    }

    private static string Printable(string cell)
    {
        if (!cell.Any(char.IsControl)) return cell;
        var escaped = new StringBuilder(cell.Length + 8);
        foreach (char ch in cell)
        {
            escaped.Append(ch switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(ch) => $"\\u{(int)ch:x4}",
                _ => ch.ToString(),
            });
        }
        return escaped.ToString();
    }
}
