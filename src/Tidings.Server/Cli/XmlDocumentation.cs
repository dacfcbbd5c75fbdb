using System.Collections.Concurrent;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Tidings.Server.Cli;

/// <summary>
/// Reads a property's &lt;summary&gt; from the XML documentation file built next to its assembly
/// (Tidings.Core.xml), so the help text describes a setting in the words of the class that owns it.
/// Returns null when the file or the member is missing; help then shows only key and default.
/// </summary>
internal static partial class XmlDocumentation
{
    // Assembly → member id ("P:Tidings.Core.BrokerOptions.DefaultUser") → summary text; null when the assembly has no file.
    private static readonly ConcurrentDictionary<Assembly, Dictionary<string, string>?> Files = new();

    public static string? Summary(PropertyInfo property)
    {
        var members = Files.GetOrAdd(property.DeclaringType!.Assembly, Load);
        return members?.GetValueOrDefault($"P:{property.DeclaringType.FullName}.{property.Name}");
    }

    private static Dictionary<string, string>? Load(Assembly assembly)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assembly.GetName().Name + ".xml");
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return XDocument.Load(path).Descendants("member")
                .Where(m => m.Attribute("name") is not null && m.Element("summary") is not null)
                .ToDictionary(m => m.Attribute("name")!.Value, m => Render(m.Element("summary")!));
        }
        catch (System.Xml.XmlException)
        {
            return null; // help without descriptions beats no help
        }
    }

    private static string Render(XElement summary)
    {
        // <see cref="T:Tidings.Core.Broker"/> has no text of its own; put the target's name in its place.
        var references = summary.Descendants()
            .Where(e => e.IsEmpty && e.Name.LocalName is "see" or "seealso" or "paramref" or "typeparamref")
            .ToList();
        foreach (var reference in references)
        {
            var name = reference.Attribute("cref")?.Value.Split('.')[^1]
                ?? reference.Attribute("name")?.Value
                ?? reference.Attribute("langword")?.Value
                ?? "";
            reference.ReplaceWith(new XText(name));
        }
        var text = string.Concat(summary.DescendantNodes().OfType<XText>().Select(t => t.Value));
        return Whitespace().Replace(text, " ").Trim();
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
