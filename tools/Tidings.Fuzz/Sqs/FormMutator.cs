using System.Text;
using System.Text.RegularExpressions;

namespace Tidings.Fuzz.Sqs;

/// <summary>
/// Mutations of AWS Query form fields: values swapped for SQS edge values, empty or very long;
/// .N indexes moved (0, gaps, huge, negative, leading zeros); fields duplicated, dropped, taken
/// from other seeds; then on the encoded text invalid UTF-8 percent-escapes, broken escapes, raw
/// bytes, stray separators.
/// </summary>
internal static partial class FormMutator
{
    private static readonly string[] Indexes =
        ["0", "2", "3", "11", "100", "101", "1000", "-1", "01", "+1", "1.5", "2147483647", "2147483648", "99999999999999999999", "", "x"];

    private static readonly string[] Escapes = ["%", "%2", "%zz", "%C3%28", "%FF", "%ED%A0%80", "%F8%88%80%80%80", "%C0%AF", "%E2%82", "%00", "%26", "%3D", "%2B"];

    [GeneratedRegex(@"\.(\d+)(\.|$)")]
    private static partial Regex Index();

    public static List<(string Name, string Value)> MutateFields(Random random, IReadOnlyList<(string Name, string Value)> seed,
        IReadOnlyList<SqsSeed> others)
    {
        var fields = seed.ToList();
        int rounds = 1 + random.Next(3);
        for (int round = 0; round < rounds; round++)
        {
            int at = fields.Count == 0 ? 0 : random.Next(fields.Count);
            if (fields.Count == 0) { fields.Add(("Action", "ListQueues")); continue; }
            var (name, value) = fields[at];
            switch (random.Next(11))
            {
                case 0:
                case 1: fields[at] = (name, Pick(random, SqsCorpus.Values)); break;
                case 2: fields[at] = (name, LongValue(random)); break;
                case 3: fields[at] = (name, ""); break;
                case 4:
                    // Another index on one of the name's .N parts.
                    var matches = Index().Matches(name);
                    if (matches.Count == 0) goto case 5;
                    var m = matches[random.Next(matches.Count)];
                    fields[at] = (name[..(m.Index + 1)] + Pick(random, Indexes) + name[(m.Index + 1 + m.Groups[1].Length)..], value);
                    break;
                case 5: fields.Insert(random.Next(fields.Count + 1), (name, random.Next(2) == 0 ? value : Pick(random, SqsCorpus.Values))); break;
                case 6: fields.RemoveAt(at); break;
                case 7:
                    // A field of another seed's shape (crossover).
                    var other = others[random.Next(others.Count)];
                    if (other.Fields is { Count: > 0 } borrowed) fields.Add(borrowed[random.Next(borrowed.Count)]);
                    break;
                case 8: fields[at] = (name + Pick(random, [".1", ".Name", ".Value", ".1.Name", "", "X"]), value); break;
                case 9:
                    // Many indexed items: past the server's cap on a flattened list.
                    var repeat = Index().Match(name);
                    if (!repeat.Success) goto case 0;
                    int count = new[] { 11, 101, 150 }[random.Next(3)];
                    for (int i = 1; i <= count; i++)
                        fields.Add((name[..(repeat.Index + 1)] + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + name[(repeat.Index + 1 + repeat.Groups[1].Length)..], value[..Math.Min(value.Length, 100)] + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    break;
                default: fields[at] = (Pick(random, ["Action", "Version", "QueueUrl", "QueueName", "MessageBody", "WaitTimeSeconds", "ReceiptHandle", "", "Attribute.1.Name", "X-Amz-Algorithm", "X-Amz-Signature"]), value); break;
            }
        }
        return fields;
    }

    public static string Encode(IEnumerable<(string Name, string Value)> fields) =>
        string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Name) + "=" + Uri.EscapeDataString(f.Value)));

    /// <summary>Damage on the encoded text: escapes that are no UTF-8 or no escape at all, raw bytes, stray separators.</summary>
    public static byte[] MutateText(Random random, string form)
    {
        int at = form.Length == 0 ? 0 : random.Next(form.Length + 1);
        switch (random.Next(6))
        {
            case 0:
            case 1: return Encoding.UTF8.GetBytes(form.Insert(at, Pick(random, Escapes)));
            case 2: return [.. Encoding.UTF8.GetBytes(form[..at]), .. new byte[][] { [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0x00] }[random.Next(4)], .. Encoding.UTF8.GetBytes(form[at..])];
            case 3: return Encoding.UTF8.GetBytes(form.Insert(at, Pick(random, ["&", "&&", "=", "==", "&=", "=&", "+", ";", "\n", "?"])));
            case 4: return Encoding.UTF8.GetBytes(form.Replace("%3D", "=", StringComparison.Ordinal).Replace("%26", "&", StringComparison.Ordinal));
            default: return Encoding.UTF8.GetBytes(form + "&" + form);
        }
    }

    /// <summary>300 to 300,000 characters, sometimes multi-byte, now and then past the 2 MiB body limit.</summary>
    public static string LongValue(Random random)
    {
        int length = random.Next(50) == 0 ? 2_200_000 : new[] { 81, 256, 300, 4000, 262_145, 300_000 }[random.Next(6)];
        return random.Next(3) == 0 ? new string('é', length / 2 + 1) : new string('k', length);
    }

    private static string Pick(Random random, string[] options) => options[random.Next(options.Length)];
}
