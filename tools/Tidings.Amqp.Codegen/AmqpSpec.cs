using System.Text.Json;

namespace Tidings.Amqp.Codegen;

/// <summary>
/// The parts of RabbitMQ's codegen JSON (<c>amqp-rabbitmq-0.9.1.json</c>) the generator uses,
/// with domains already resolved to their primitive wire types.
/// </summary>
public sealed record AmqpSpec(
    int MajorVersion,
    int MinorVersion,
    int Revision,
    int Port,
    IReadOnlyList<string> Copyright,
    IReadOnlyList<AmqpConstant> Constants,
    IReadOnlyList<AmqpClass> Classes)
{
    /// <summary>The primitive wire types a field may have after domain resolution.</summary>
    public static readonly IReadOnlySet<string> PrimitiveTypes = new HashSet<string>(StringComparer.Ordinal)
    {
        "octet", "short", "long", "longlong", "bit", "shortstr", "longstr", "table", "timestamp",
    };

    /// <summary>Every method of every class, in JSON order.</summary>
    public IEnumerable<AmqpMethod> Methods => Classes.SelectMany(c => c.Methods);

    /// <summary>Parses the codegen JSON text.</summary>
    /// <exception cref="InvalidDataException">The JSON does not have the expected shape.</exception>
    public static AmqpSpec Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;

        var domains = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in root.GetProperty("domains").EnumerateArray())
        {
            domains[pair[0].GetString()!] = pair[1].GetString()!;
        }

        string Resolve(JsonElement field, string owner)
        {
            string name = field.GetProperty("name").GetString()!;
            string type = field.TryGetProperty("type", out var t)
                ? t.GetString()!
                : field.TryGetProperty("domain", out var d)
                    ? domains.GetValueOrDefault(d.GetString()!) ?? throw new InvalidDataException($"{owner}.{name}: unknown domain '{d.GetString()}'")
                    : throw new InvalidDataException($"{owner}.{name}: neither type nor domain");
            if (!PrimitiveTypes.Contains(type))
            {
                throw new InvalidDataException($"{owner}.{name}: unsupported type '{type}'");
            }

            return type;
        }

        var constants = root.GetProperty("constants").EnumerateArray()
            .Select(c => new AmqpConstant(
                c.GetProperty("name").GetString()!,
                c.GetProperty("value").GetInt32(),
                c.TryGetProperty("class", out var cls) ? cls.GetString() : null))
            .ToList();

        var classes = new List<AmqpClass>();
        foreach (var cls in root.GetProperty("classes").EnumerateArray())
        {
            string className = cls.GetProperty("name").GetString()!;
            int classId = cls.GetProperty("id").GetInt32();

            var properties = cls.TryGetProperty("properties", out var props)
                ? props.EnumerateArray().Select(p => new AmqpField(p.GetProperty("name").GetString()!, Resolve(p, className), null)).ToList()
                : [];

            var methods = new List<AmqpMethod>();
            foreach (var m in cls.GetProperty("methods").EnumerateArray())
            {
                string methodName = m.GetProperty("name").GetString()!;
                var arguments = m.GetProperty("arguments").EnumerateArray()
                    .Select(a => new AmqpField(
                        a.GetProperty("name").GetString()!,
                        Resolve(a, $"{className}.{methodName}"),
                        a.TryGetProperty("default-value", out var dv) ? dv.Clone() : null))
                    .ToList();
                methods.Add(new AmqpMethod(
                    className,
                    classId,
                    methodName,
                    m.GetProperty("id").GetInt32(),
                    m.TryGetProperty("synchronous", out var sync) && sync.GetBoolean(),
                    m.TryGetProperty("content", out var content) && content.GetBoolean(),
                    arguments));
            }

            classes.Add(new AmqpClass(className, classId, methods, properties));
        }

        return new AmqpSpec(
            root.GetProperty("major-version").GetInt32(),
            root.GetProperty("minor-version").GetInt32(),
            root.GetProperty("revision").GetInt32(),
            root.GetProperty("port").GetInt32(),
            root.TryGetProperty("copyright", out var copyright)
                ? copyright.EnumerateArray().Select(l => l.GetString()!).ToList()
                : [],
            constants,
            classes);
    }
}

/// <summary>A named constant: a frame constant or a reply code (with its soft/hard class).</summary>
public sealed record AmqpConstant(string Name, int Value, string? Class);

/// <summary>An AMQP class: its methods and (for <c>basic</c>) its content properties.</summary>
public sealed record AmqpClass(string Name, int Id, IReadOnlyList<AmqpMethod> Methods, IReadOnlyList<AmqpField> Properties);

/// <summary>One method of a class, e.g. <c>queue.declare</c>.</summary>
public sealed record AmqpMethod(
    string ClassName,
    int ClassId,
    string Name,
    int Id,
    bool IsSynchronous,
    bool HasContent,
    IReadOnlyList<AmqpField> Arguments)
{
    /// <summary>The dotted name RabbitMQ uses in logs and error texts, e.g. <c>queue.declare</c>.</summary>
    public string FullName => $"{ClassName}.{Name}";
}

/// <summary>A method argument or content property with its resolved primitive type.</summary>
public sealed record AmqpField(string Name, string Type, JsonElement? DefaultValue);
