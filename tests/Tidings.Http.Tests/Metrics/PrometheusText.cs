using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Tidings.Http.Tests.Metrics;

/// <summary>One sample line: metric name, labels (unescaped) and value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// A strict little parser of the Prometheus text format 0.0.4, enough to check what /metrics
/// writes: it throws <see cref="FormatException"/> on a malformed line, a sample whose family has
/// no HELP and TYPE before it, a family split in two groups, or a duplicated series.
/// </summary>
internal sealed partial class PrometheusText
{
    private readonly Dictionary<string, string> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _help = new(StringComparer.Ordinal);
    private readonly List<PrometheusSample> _samples = [];

    public IReadOnlyDictionary<string, string> Types => _types;
    public IReadOnlyDictionary<string, string> Help => _help;
    public IReadOnlyList<PrometheusSample> Samples => _samples;

    public static PrometheusText Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the last line is not terminated by a line feed");
        var parsed = new PrometheusText();
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        int number = 0;
        foreach (var line in text.Split('\n'))
        {
            number++;
            if (line.Length == 0) continue;
            try
            {
                if (line.StartsWith('#'))
                {
                    var comment = CommentLine().Match(line);
                    if (!comment.Success) continue; // any other comment is allowed
                    string family = comment.Groups["name"].Value;
                    if (family != current)
                    {
                        if (current is not null) finished.Add(current);
                        if (finished.Contains(family)) throw new FormatException($"family {family} appears in two groups");
                        current = family;
                    }
                    var target = comment.Groups["kind"].Value == "HELP" ? parsed._help : parsed._types;
                    if (!target.TryAdd(family, comment.Groups["rest"].Value))
                        throw new FormatException($"second {comment.Groups["kind"].Value} line for {family}");
                    if (target == parsed._types && comment.Groups["rest"].Value is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                        throw new FormatException($"unknown type '{comment.Groups["rest"].Value}'");
                    continue;
                }
                var sample = ParseSample(line);
                string owner = FamilyOf(parsed, sample.Name);
                if (owner != current) throw new FormatException($"sample of {owner} outside its group (current family: {current ?? "none"})");
                if (!parsed._help.ContainsKey(owner)) throw new FormatException($"no HELP for {owner}");
                if (!series.Add(sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}"))
                    throw new FormatException("duplicate series");
                parsed._samples.Add(sample);
            }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException)
            {
                throw new FormatException($"line {number}: {e.Message}: {line}", e);
            }
        }
        foreach (var family in parsed._help.Keys.Union(parsed._types.Keys))
        {
            if (!parsed._help.ContainsKey(family) || !parsed._types.ContainsKey(family))
                throw new FormatException($"family {family} lacks HELP or TYPE");
        }
        return parsed;
    }

    /// <summary>The value of the one sample with this name and exactly these labels; null when absent.</summary>
    public double? Value(string name, params (string Name, string Value)[] labels) =>
        _samples.SingleOrDefault(s => s.Name == name && s.Labels.Count == labels.Length &&
                                      labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value))?.Value;

    /// <summary>The family a sample belongs to: itself, or a histogram's name for _bucket/_sum/_count.</summary>
    private static string FamilyOf(PrometheusText parsed, string name)
    {
        if (parsed._types.ContainsKey(name)) return name;
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) &&
                parsed._types.TryGetValue(name[..^suffix.Length], out var type) && type is "histogram" or "summary")
                return name[..^suffix.Length];
        }
        throw new FormatException($"no TYPE for {name}");
    }

    /// <summary>Parses <c>name{label="value",...} value [timestamp]</c>.</summary>
    public static PrometheusSample ParseSample(string line)
    {
        var name = MetricName().Match(line);
        if (!name.Success) throw new FormatException("bad metric name");
        int i = name.Length;
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var label = LabelName().Match(line, i);
                if (!label.Success || label.Index != i) throw new FormatException("bad label name");
                i += label.Length;
                if (line[i++] != '=' || line[i++] != '"') throw new FormatException("expected =\" after a label name");
                var value = new StringBuilder();
                while (line[i] != '"')
                {
                    char c = line[i++];
                    if (c != '\\')
                    {
                        value.Append(c);
                        continue;
                    }
                    char escaped = line[i++];
                    value.Append(escaped switch
                    {
                        '\\' => '\\',
                        '"' => '"',
                        'n' => '\n',
                        _ => throw new FormatException($"bad escape \\{escaped}"),
                    });
                }
                i++;
                if (!labels.TryAdd(label.Value, value.ToString())) throw new FormatException("label given twice");
                if (line[i] == ',') i++;
                else if (line[i] != '}') throw new FormatException("expected , or } after a label");
            }
            i++;
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException("expected a space before the value");
        var parts = line[(i + 1)..].Split(' ');
        if (parts.Length is < 1 or > 2) throw new FormatException("expected a value and an optional timestamp");
        double number = parts[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                ? v
                : throw new FormatException($"bad value '{parts[0]}'"),
        };
        if (parts.Length == 2 && !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new FormatException("bad timestamp");
        return new PrometheusSample(name.Value, labels, number);
    }

    [GeneratedRegex(@"^# (?<kind>HELP|TYPE) (?<name>[a-zA-Z_:][a-zA-Z0-9_:]*) (?<rest>.*)$")]
    private static partial Regex CommentLine();

    [GeneratedRegex(@"^[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"[a-zA-Z_][a-zA-Z0-9_]*")]
    private static partial Regex LabelName();
}
