using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Tidings.Amqp.Codegen;

/// <summary>
/// Turns the codegen JSON into <c>Methods.g.cs</c>: one struct per method with typed arguments,
/// <c>Read</c>/<c>Write</c>, the method-id enum and table, reply codes and frame constants.
/// Pure: the same JSON always gives the same text, which is what the up-to-date test relies on.
/// </summary>
public static class MethodsGenerator
{
    /// <summary>Where the JSON lives, relative to the repository root (shared/ sits beside the repo).</summary>
    public const string DefaultJsonPath = "../shared/specs/amqp/amqp-rabbitmq-0.9.1.json";

    /// <summary>Where the generated file lives, relative to the repository root.</summary>
    public const string DefaultOutputPath = "src/Tidings.Amqp/Protocol/Generated/Methods.g.cs";

    // Replies the JSON cannot tell us: it only marks requests "synchronous", and every request's
    // reply is "<name>-ok" in the same class except this one (the XML spec lists both).
    private static readonly Dictionary<string, string[]> ExtraResponses = new(StringComparer.Ordinal)
    {
        ["basic.get"] = ["get-empty"],
    };

    // Words whose plain Pascal-casing reads badly.
    private static readonly Dictionary<string, string> WordRenames = new(StringComparer.Ordinal)
    {
        ["nowait"] = "NoWait",
    };

    // Arguments whose names would clash with the members every method struct has.
    private static readonly Dictionary<string, string> ArgumentRenames = new(StringComparer.Ordinal)
    {
        ["class-id"] = "FailingClassId",
        ["method-id"] = "FailingMethodId",
        ["read"] = "ReadAccess",
        ["write"] = "WriteAccess",
    };

    // Members every generated struct declares (or the record compiler adds); arguments may not take these names.
    private static readonly HashSet<string> ReservedMembers = new(StringComparer.Ordinal)
    {
        "ClassId", "MethodId", "MethodName", "Id", "GetSize", "WriteTo", "Write", "Read",
        "Equals", "GetHashCode", "ToString", "EqualityContract", "PrintMembers", "Deconstruct",
    };

    // Argument names that need an @ when used as locals in the generated Read methods.
    private static readonly HashSet<string> CSharpKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class",
        "const", "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event",
        "explicit", "extern", "false", "finally", "fixed", "float", "for", "foreach", "goto", "if",
        "implicit", "in", "int", "interface", "internal", "is", "lock", "long", "namespace", "new", "null",
        "object", "operator", "out", "override", "params", "private", "protected", "public", "readonly",
        "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string", "struct",
        "switch", "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe",
        "ushort", "using", "virtual", "void", "volatile", "while",
    };

    /// <summary>Generates the file text from the codegen JSON text.</summary>
    public static string Generate(string json) => Generate(AmqpSpec.Parse(json));

    /// <summary>Generates the file text from a parsed spec.</summary>
    public static string Generate(AmqpSpec spec)
    {
        var w = new CodeWriter();
        WriteFileHeader(w, spec);
        WriteConstants(w, spec);
        WriteReplyCodes(w, spec);
        foreach (var cls in spec.Classes.Where(c => c.Properties.Count > 0))
        {
            WritePropertyFlags(w, cls);
        }

        WriteMethodIdEnum(w, spec);
        WriteMethodTable(w, spec);
        foreach (var cls in spec.Classes)
        {
            foreach (var method in cls.Methods)
            {
                WriteMethodStruct(w, spec, cls, method);
            }
        }

        return w.ToString();
    }

    /// <summary>The C# type name of a method's struct, e.g. <c>QueueDeclare</c>.</summary>
    public static string TypeName(AmqpMethod method) => Pascal(method.ClassName) + Pascal(method.Name);

    /// <summary>The replies a synchronous request expects (empty for everything else).</summary>
    public static IReadOnlyList<AmqpMethod> ResponsesOf(AmqpSpec spec, AmqpMethod method)
    {
        if (!method.IsSynchronous)
        {
            return [];
        }

        var cls = spec.Classes.Single(c => c.Id == method.ClassId);
        var names = new List<string> { method.Name + "-ok" };
        names.AddRange(ExtraResponses.GetValueOrDefault(method.FullName) ?? []);
        return names
            .Select(n => cls.Methods.FirstOrDefault(m => m.Name == n)
                ?? throw new InvalidDataException($"{method.FullName} is synchronous but {cls.Name}.{n} does not exist"))
            .ToList();
    }

    private static void WriteFileHeader(CodeWriter w, AmqpSpec spec)
    {
        w.Line("// <auto-generated>");
        w.Line("//     Generated by tools/Tidings.Amqp.Codegen from RabbitMQ's amqp-rabbitmq-0.9.1.json.");
        w.Line("//     Do not edit by hand. Re-run from the repository root:");
        w.Line("//         dotnet run --project tools/Tidings.Amqp.Codegen");
        w.Line("//     The test Generated_methods_file_is_up_to_date fails when this file and the generator drift.");
        w.Line("// </auto-generated>");
        w.Line("//");
        w.Line("// The method and constant tables below are derived from amqp-rabbitmq-0.9.1.json, which carries this notice:");
        w.Line("//");
        foreach (var line in string.Concat(spec.Copyright).TrimEnd('\n').Split('\n'))
        {
            w.Line(line.TrimEnd().Length == 0 ? "//" : "//   " + line.TrimEnd());
        }

        w.Line();
        w.Line("#nullable enable");
        w.Line();
        w.Line("using System.Buffers;");
        w.Line("using System.Diagnostics.CodeAnalysis;");
        w.Line();
        w.Line("namespace Tidings.Amqp.Protocol;");
    }

    private static void WriteConstants(CodeWriter w, AmqpSpec spec)
    {
        w.Line();
        w.Line("/// <summary>Protocol version, port and frame constants of AMQP 0-9-1 as RabbitMQ defines them.</summary>");
        w.Open("public static class AmqpConstants");
        w.Line("/// <summary>Protocol major version.</summary>");
        w.Line($"public const byte VersionMajor = {spec.MajorVersion};");
        w.Line("/// <summary>Protocol minor version.</summary>");
        w.Line($"public const byte VersionMinor = {spec.MinorVersion};");
        w.Line("/// <summary>Protocol revision.</summary>");
        w.Line($"public const byte VersionRevision = {spec.Revision};");
        w.Line("/// <summary>The IANA-assigned AMQP port.</summary>");
        w.Line($"public const int DefaultPort = {spec.Port};");
        foreach (var constant in spec.Constants.Where(IsFrameConstant))
        {
            string type = constant.Value is >= 0 and <= 255 ? "byte" : "uint";
            w.Line($"/// <summary><c>{constant.Name}</c>.</summary>");
            w.Line($"public const {type} {Pascal(constant.Name)} = {constant.Value};");
        }

        w.Close();
    }

    // Reply codes carry a soft/hard class, except REPLY-SUCCESS; everything else (FRAME-*) is a frame constant.
    private static bool IsFrameConstant(AmqpConstant constant) =>
        constant.Class is null && !constant.Name.StartsWith("REPLY-", StringComparison.Ordinal);

    private static void WriteReplyCodes(CodeWriter w, AmqpSpec spec)
    {
        var codes = spec.Constants.Where(c => !IsFrameConstant(c)).OrderBy(c => c.Value).ToList();
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// AMQP reply codes with RabbitMQ's names. Soft errors close the channel (<c>channel.close</c>),");
        w.Line("/// hard errors close the connection (<c>connection.close</c>).");
        w.Line("/// </summary>");
        w.Open("public static partial class AmqpReplyCodes");
        foreach (var code in codes)
        {
            string kind = code.Class switch
            {
                "soft-error" => " (soft error: closes the channel)",
                "hard-error" => " (hard error: closes the connection)",
                _ => string.Empty,
            };
            w.Line($"/// <summary>{code.Value} {RabbitName(code.Name)}{kind}.</summary>");
            w.Line($"public const ushort {Pascal(code.Name)} = {code.Value};");
        }

        w.Line();
        w.Line("/// <summary>RabbitMQ's upper-case name of <paramref name=\"replyCode\"/> (e.g. <c>NOT_FOUND</c>), or null when unknown.</summary>");
        w.Open("public static string? GetName(ushort replyCode) => replyCode switch");
        foreach (var code in codes)
        {
            w.Line($"{code.Value} => \"{RabbitName(code.Name)}\",");
        }

        w.Line("_ => null,");
        w.Close(";");
        w.Line();
        w.Line("/// <summary>True for reply codes that are channel exceptions.</summary>");
        w.Line($"public static bool IsSoftError(ushort replyCode) => replyCode is {string.Join(" or ", codes.Where(c => c.Class == "soft-error").Select(c => c.Value))};");
        w.Line();
        w.Line("/// <summary>True for reply codes that are connection exceptions.</summary>");
        w.Line($"public static bool IsHardError(ushort replyCode) => replyCode is {string.Join(" or ", codes.Where(c => c.Class == "hard-error").Select(c => c.Value))};");
        w.Close();
    }

    private static void WritePropertyFlags(CodeWriter w, AmqpClass cls)
    {
        if (cls.Properties.Count > 15)
        {
            throw new InvalidDataException($"{cls.Name} has {cls.Properties.Count} properties; flag continuation words are not generated");
        }

        w.Line();
        w.Line($"/// <summary>Property-flag bits of the {cls.Name} content header, in wire order (bit 0 is the continuation flag).</summary>");
        w.Open($"public static class {Pascal(cls.Name)}PropertyFlags");
        for (int i = 0; i < cls.Properties.Count; i++)
        {
            var property = cls.Properties[i];
            w.Line($"/// <summary><c>{property.Name}</c> ({property.Type}).</summary>");
            w.Line($"public const ushort {Pascal(property.Name)} = 0x{0x8000 >> i:X4};");
        }

        w.Line("/// <summary>Set when another 16-bit flag word follows.</summary>");
        w.Line("public const ushort Continuation = 0x0001;");
        w.Close();
    }

    private static void WriteMethodIdEnum(CodeWriter w, AmqpSpec spec)
    {
        w.Line();
        w.Line("/// <summary>Every method of AMQP 0-9-1 with RabbitMQ's extensions, as <c>(class id &lt;&lt; 16) | method id</c>.</summary>");
        w.Open("public enum AmqpMethodId : uint");
        foreach (var method in spec.Methods)
        {
            w.Line($"/// <summary><c>{method.FullName}</c> ({method.ClassId}/{method.Id}).</summary>");
            w.Line($"{TypeName(method)} = ({method.ClassId} << 16) | {method.Id},");
        }

        w.Close();
    }

    private static void WriteMethodTable(CodeWriter w, AmqpSpec spec)
    {
        var methods = spec.Methods.ToList();
        w.Line();
        w.Line("/// <summary>Names, content and reply facts of every method, and reading a method by id.</summary>");
        w.Open("public static partial class AmqpMethods");
        w.Line("/// <summary>Every method in spec order.</summary>");
        w.Line("public static IReadOnlyList<AmqpMethodInfo> All { get; } =");
        w.Line("[");
        foreach (var method in methods)
        {
            string responses = string.Join(", ", ResponsesOf(spec, method).Select(r => "AmqpMethodId." + TypeName(r)));
            w.Line($"    new(AmqpMethodId.{TypeName(method)}, \"{method.FullName}\", HasContent: {Bool(method.HasContent)}, IsSynchronous: {Bool(method.IsSynchronous)}, Responses: [{responses}], typeof({TypeName(method)})),");
        }

        w.Line("];");

        w.Line();
        w.Line("/// <summary>The dotted name of <paramref name=\"id\"/> (e.g. <c>queue.declare</c>), or null when unknown.</summary>");
        w.Open("public static string? GetName(AmqpMethodId id) => id switch");
        foreach (var method in methods)
        {
            w.Line($"AmqpMethodId.{TypeName(method)} => \"{method.FullName}\",");
        }

        w.Line("_ => null,");
        w.Close(";");

        w.Line();
        w.Line("/// <summary>True for the methods followed by a content header and body frames.</summary>");
        w.Line("public static bool HasContent(AmqpMethodId id) =>");
        w.Line($"    id is {string.Join(" or ", methods.Where(m => m.HasContent).Select(m => "AmqpMethodId." + TypeName(m)))};");

        w.Line();
        w.Line("/// <summary>True for requests that expect a reply (see <see cref=\"AmqpMethodInfo.Responses\"/>).</summary>");
        w.Line("public static bool IsSynchronous(AmqpMethodId id) =>");
        w.Line($"    id is {string.Join("\n        or ", methods.Where(m => m.IsSynchronous).Select(m => "AmqpMethodId." + TypeName(m)))};");

        w.Line();
        w.Line("/// <summary>The facts about <paramref name=\"id\"/>; false when the id is not a known method.</summary>");
        w.Open("public static bool TryGetInfo(AmqpMethodId id, [NotNullWhen(true)] out AmqpMethodInfo? info)");
        w.Open("int index = id switch");
        for (int i = 0; i < methods.Count; i++)
        {
            w.Line($"AmqpMethodId.{TypeName(methods[i])} => {i},");
        }

        w.Line("_ => -1,");
        w.Close(";");
        w.Line("info = index < 0 ? null : All[index];");
        w.Line("return info is not null;");
        w.Close();

        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Reads the arguments of method <paramref name=\"id\"/> into its struct, boxed. Handy off the hot path;");
        w.Line("/// the channel's dispatch should switch on the id and call the struct's own <c>Read</c>.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"AmqpSyntaxException\">The arguments are malformed (502).</exception>");
        w.Line("/// <exception cref=\"AmqpProtocolException\">The id is not a known method (503 COMMAND_INVALID).</exception>");
        w.Open("public static IAmqpMethod ReadBoxed(AmqpMethodId id, ReadOnlySequence<byte> arguments) => id switch");
        foreach (var method in methods)
        {
            w.Line($"AmqpMethodId.{TypeName(method)} => {TypeName(method)}.Read(arguments),");
        }

        w.Line("_ => throw UnknownMethod(id),");
        w.Close(";");
        w.Close();
    }

    private static void WriteMethodStruct(CodeWriter w, AmqpSpec spec, AmqpClass cls, AmqpMethod method)
    {
        string type = TypeName(method);
        var fields = method.Arguments.Select(a => new FieldModel(a, PropertyName(method, a))).ToList();

        w.Line();
        w.Line("/// <summary>");
        w.Line($"/// <c>{method.FullName}</c> (class {method.ClassId}, method {method.Id}){Describe(spec, method)}");
        w.Line("/// </summary>");
        w.Open($"public readonly record struct {type} : IAmqpMethod<{type}>");
        w.Line($"/// <summary>The class id, {cls.Id} ({cls.Name}).</summary>");
        w.Line($"public const ushort ClassId = {method.ClassId};");
        w.Line("/// <summary>The method id within the class.</summary>");
        w.Line($"public const ushort MethodId = {method.Id};");
        w.Line("/// <summary>The dotted method name, as RabbitMQ writes it in error texts.</summary>");
        w.Line($"public const string MethodName = \"{method.FullName}\";");
        w.Line();
        w.Line("/// <summary>Creates the method with the spec's default argument values.</summary>");
        w.Line($"public {type}()");
        w.Line("{");
        w.Line("}");

        foreach (var field in fields)
        {
            w.Line();
            w.Line($"/// <summary>{FieldDoc(field.Field)}</summary>");
            string initializer = DefaultInitializer(method, field.Field);
            w.Line($"public {ClrType(field.Field.Type)} {field.Property} {{ get; init; }}{initializer}");
        }

        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public AmqpMethodId Id => AmqpMethodId.{type};");

        WriteGetSize(w, fields);
        WriteWriteTo(w, fields);

        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line("public void Write(IBufferWriter<byte> writer) => AmqpWire.WriteMethod(writer, this);");

        WriteRead(w, type, fields);

        w.Line();
        w.Line("/// <summary>Reads the arguments (the method frame payload after the class and method ids); trailing bytes are an error.</summary>");
        w.Line("/// <exception cref=\"AmqpSyntaxException\">The arguments are truncated, malformed or followed by extra bytes (502).</exception>");
        w.Open($"public static {type} Read(ReadOnlySequence<byte> arguments)");
        w.Line("var reader = new SequenceReader<byte>(arguments);");
        w.Line($"{type} method = Read(ref reader);");
        w.Line("AmqpWireReader.EnsureEnd(ref reader, MethodName);");
        w.Line("return method;");
        w.Close();
        w.Close();
    }

    private static void WriteGetSize(CodeWriter w, List<FieldModel> fields)
    {
        int constant = 4; // class id + method id
        var terms = new List<string>();
        bool inBits = false;
        foreach (var field in fields)
        {
            if (field.Field.Type == "bit")
            {
                if (!inBits)
                {
                    constant++;
                }

                inBits = true;
                continue;
            }

            inBits = false;
            switch (field.Field.Type)
            {
                case "octet": constant += 1; break;
                case "short": constant += 2; break;
                case "long": constant += 4; break;
                case "longlong":
                case "timestamp": constant += 8; break;
                case "shortstr": terms.Add($"AmqpWire.ShortStringSize({field.Property})"); break;
                case "longstr": constant += 4; terms.Add($"{field.Property}.Length"); break;
                case "table": terms.Add($"FieldTableCodec.GetTableSize({field.Property})"); break;
                default: throw new InvalidDataException($"unsupported type {field.Field.Type}");
            }
        }

        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Line($"public int GetSize() => {string.Join(" + ", new[] { constant.ToString(CultureInfo.InvariantCulture) }.Concat(terms))};");
    }

    private static void WriteWriteTo(CodeWriter w, List<FieldModel> fields)
    {
        w.Line();
        w.Line("/// <inheritdoc/>");
        w.Open("public int WriteTo(Span<byte> destination)");
        w.Line("var writer = new AmqpSpanWriter(destination);");
        w.Line("writer.WriteUInt16(ClassId);");
        w.Line("writer.WriteUInt16(MethodId);");
        foreach (var group in GroupBits(fields))
        {
            if (group[0].Field.Type == "bit")
            {
                var parts = group.Select((f, i) => $"({f.Property} ? 0x{1 << i:X2} : 0)");
                w.Line($"writer.WriteOctet((byte)({string.Join(" | ", parts)}));");
                continue;
            }

            var field = group[0];
            w.Line(field.Field.Type switch
            {
                "octet" => $"writer.WriteOctet({field.Property});",
                "short" => $"writer.WriteUInt16({field.Property});",
                "long" => $"writer.WriteUInt32({field.Property});",
                "longlong" or "timestamp" => $"writer.WriteUInt64({field.Property});",
                "shortstr" => $"writer.WriteShortString({field.Property});",
                "longstr" => $"writer.WriteLongString({field.Property}.Span);",
                "table" => $"writer.WriteTable({field.Property});",
                _ => throw new InvalidDataException($"unsupported type {field.Field.Type}"),
            });
        }

        w.Line("return writer.Position;");
        w.Close();
    }

    private static void WriteRead(CodeWriter w, string type, List<FieldModel> fields)
    {
        w.Line();
        w.Line("/// <summary>Reads the arguments from <paramref name=\"reader\"/>, leaving it after the last one.</summary>");
        w.Line("/// <exception cref=\"AmqpSyntaxException\">The arguments are truncated or malformed (502).</exception>");
        if (fields.Count == 0)
        {
            w.Line($"public static {type} Read(ref SequenceReader<byte> reader) => new();");
            return;
        }

        w.Open($"public static {type} Read(ref SequenceReader<byte> reader)");
        int bitGroup = 0;
        var assignments = new List<string>();
        foreach (var group in GroupBits(fields))
        {
            if (group[0].Field.Type == "bit")
            {
                string local = $"bits{bitGroup++}";
                w.Line($"byte {local} = AmqpWireReader.ReadOctet(ref reader);");
                for (int i = 0; i < group.Count; i++)
                {
                    assignments.Add($"{group[i].Property} = ({local} & 0x{1 << i:X2}) != 0,");
                }

                continue;
            }

            var field = group[0];
            string name = LocalName(field.Property);
            string read = field.Field.Type switch
            {
                "octet" => "AmqpWireReader.ReadOctet(ref reader)",
                "short" => "AmqpWireReader.ReadUInt16(ref reader)",
                "long" => "AmqpWireReader.ReadUInt32(ref reader)",
                "longlong" or "timestamp" => "AmqpWireReader.ReadUInt64(ref reader)",
                "shortstr" => "AmqpWireReader.ReadShortString(ref reader)",
                "longstr" => "AmqpWireReader.ReadLongString(ref reader)",
                "table" => "AmqpWireReader.ReadTableOrNull(ref reader)",
                _ => throw new InvalidDataException($"unsupported type {field.Field.Type}"),
            };
            w.Line($"{ClrType(field.Field.Type)} {name} = {read};");
            assignments.Add($"{field.Property} = {name},");
        }

        w.Open($"return new {type}");
        foreach (var assignment in assignments)
        {
            w.Line(assignment);
        }

        w.Close(";");
        w.Close();
    }

    // Consecutive bit arguments share one octet (at most eight per octet); every other argument is its own group.
    private static IEnumerable<List<FieldModel>> GroupBits(List<FieldModel> fields)
    {
        List<FieldModel>? bits = null;
        foreach (var field in fields)
        {
            if (field.Field.Type == "bit")
            {
                bits ??= [];
                bits.Add(field);
                if (bits.Count == 8)
                {
                    yield return bits;
                    bits = null;
                }

                continue;
            }

            if (bits is not null)
            {
                yield return bits;
                bits = null;
            }

            yield return [field];
        }

        if (bits is not null)
        {
            yield return bits;
        }
    }

    private static string Describe(AmqpSpec spec, AmqpMethod method)
    {
        var parts = new List<string>();
        if (method.IsSynchronous)
        {
            parts.Add("synchronous: answered by " + string.Join(" or ", ResponsesOf(spec, method).Select(r => $"<c>{r.FullName}</c>")));
        }

        if (method.HasContent)
        {
            parts.Add("carries content (a header frame and body frames follow)");
        }

        return parts.Count == 0 ? "." : "; " + string.Join("; ", parts) + ".";
    }

    private static string FieldDoc(AmqpField field)
    {
        string doc = $"<c>{field.Name}</c> ({field.Type}).";
        doc += field.Type switch
        {
            "table" => " Null stands for an empty table, both when writing and when read.",
            "longstr" => " Empty when absent.",
            _ => string.Empty,
        };
        if (field.DefaultValue is { } value && field.Type != "table")
        {
            doc += $" Spec default: {XmlEscape(value.ValueKind == JsonValueKind.String ? "\"" + value.GetString() + "\"" : value.GetRawText())}.";
        }

        return doc;
    }

    private static string DefaultInitializer(AmqpMethod method, AmqpField field)
    {
        var value = field.DefaultValue;
        switch (field.Type)
        {
            case "bit":
                return value is { ValueKind: JsonValueKind.True } ? " = true;" : string.Empty;
            case "octet":
            case "short":
            case "long":
            case "longlong":
            case "timestamp":
                return value is { ValueKind: JsonValueKind.Number } n && n.GetRawText() != "0" ? $" = {n.GetRawText()};" : string.Empty;
            case "shortstr":
                return $" = {Literal(value?.GetString() ?? string.Empty)};";
            case "longstr":
                return value?.GetString() is { Length: > 0 } s ? $" = {Literal(s)}u8.ToArray();" : string.Empty;
            case "table":
                if (value is { ValueKind: JsonValueKind.Object } t && t.EnumerateObject().Any())
                {
                    throw new InvalidDataException($"{method.FullName}.{field.Name}: non-empty default tables are not supported");
                }

                return string.Empty;
            default:
                throw new InvalidDataException($"unsupported type {field.Type}");
        }
    }

    private static string ClrType(string type) => type switch
    {
        "octet" => "byte",
        "short" => "ushort",
        "long" => "uint",
        "longlong" or "timestamp" => "ulong",
        "bit" => "bool",
        "shortstr" => "string",
        "longstr" => "ReadOnlyMemory<byte>",
        "table" => "Dictionary<string, object?>?",
        _ => throw new InvalidDataException($"unsupported type {type}"),
    };

    private static string PropertyName(AmqpMethod method, AmqpField field)
    {
        string name = ArgumentRenames.GetValueOrDefault(field.Name) ?? Pascal(field.Name);
        if (ReservedMembers.Contains(name) || name == TypeName(method))
        {
            throw new InvalidDataException($"{method.FullName}.{field.Name} maps to reserved member name {name}; add it to ArgumentRenames");
        }

        return name;
    }

    private static string LocalName(string property)
    {
        string name = char.ToLowerInvariant(property[0]) + property[1..];
        return CSharpKeywords.Contains(name) ? "@" + name : name;
    }

    private static string Pascal(string name) => string.Concat(
        name.ToLowerInvariant().Split('-').Select(part =>
            WordRenames.GetValueOrDefault(part) ?? char.ToUpperInvariant(part[0]) + part[1..]));

    private static string RabbitName(string name) => name.Replace('-', '_');

    private static string Bool(bool value) => value ? "true" : "false";

    private static string XmlEscape(string value) =>
        value.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Literal(string value) => "\"" + Escape(value) + "\"";

    private static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            if (c is '"' or '\\')
            {
                sb.Append('\\');
            }
            else if (char.IsControl(c))
            {
                throw new InvalidDataException($"control character in default value '{value}'");
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private sealed record FieldModel(AmqpField Field, string Property);
}
