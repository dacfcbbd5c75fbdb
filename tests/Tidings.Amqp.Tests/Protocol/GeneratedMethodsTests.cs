using System.Xml.Linq;
using Tidings.Amqp.Codegen;
using Tidings.Amqp.Protocol;

namespace Tidings.Amqp.Tests.Protocol;

public sealed class GeneratedMethodsTests
{
    [Fact]
    public void Generated_methods_file_is_up_to_date()
    {
        string root = RepositoryRootOrFail();
        string jsonPath = RepositoryRoot.JsonPath(root);
        Assert.True(File.Exists(jsonPath), $"The codegen JSON is missing: {jsonPath} (shared/ must sit beside the repository).");

        string expected = MethodsGenerator.Generate(File.ReadAllText(jsonPath));
        string actual = RepositoryRoot.NormalizeNewlines(File.ReadAllText(RepositoryRoot.OutputPath(root)));
        if (expected == actual)
        {
            return;
        }

        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        int line = Enumerable.Range(0, Math.Min(expectedLines.Length, actualLines.Length))
            .FirstOrDefault(i => expectedLines[i] != actualLines[i], Math.Min(expectedLines.Length, actualLines.Length));
        Assert.Fail(
            $"{MethodsGenerator.DefaultOutputPath} is out of date; regenerate it with `dotnet run --project tools/Tidings.Amqp.Codegen`.\n" +
            $"First difference at line {line + 1}:\n  generator: {expectedLines.ElementAtOrDefault(line)}\n  checked in: {actualLines.ElementAtOrDefault(line)}");
    }

    [Fact]
    public void Method_table_agrees_with_the_xml_spec_on_ids_content_and_replies()
    {
        string xmlPath = Path.Combine(Path.GetDirectoryName(RepositoryRoot.JsonPath(RepositoryRootOrFail()))!, "amqp0-9-1.stripped.extended.xml");
        var xml = XDocument.Load(xmlPath);
        var xmlMethods = xml.Root!.Elements("class")
            .SelectMany(c => c.Elements("method").Select(m => new
            {
                Name = $"{c.Attribute("name")!.Value}.{m.Attribute("name")!.Value}",
                ClassId = ushort.Parse(c.Attribute("index")!.Value, System.Globalization.CultureInfo.InvariantCulture),
                MethodId = ushort.Parse(m.Attribute("index")!.Value, System.Globalization.CultureInfo.InvariantCulture),
                HasContent = m.Attribute("content")?.Value == "1",
                Responses = m.Elements("response").Select(r => $"{c.Attribute("name")!.Value}.{r.Attribute("name")!.Value}").ToList(),
            }))
            .ToDictionary(m => m.Name);

        // The 0-9-1 XML dropped the deprecated access class; RabbitMQ's JSON keeps it for old clients.
        Assert.Equal(xmlMethods.Keys.Order(), AmqpMethods.All.Select(m => m.Name).Where(n => !n.StartsWith("access.", StringComparison.Ordinal)).Order());
        foreach (var info in AmqpMethods.All.Where(m => xmlMethods.ContainsKey(m.Name)))
        {
            var fromXml = xmlMethods[info.Name];
            Assert.Equal((fromXml.ClassId, fromXml.MethodId), (info.ClassId, info.MethodId));
            Assert.Equal(fromXml.HasContent, info.HasContent);
            // The XML forgets that basic.recover is answered by recover-ok; the JSON (and RabbitMQ) have it.
            var expectedResponses = info.Name == "basic.recover" ? ["basic.recover-ok"] : fromXml.Responses;
            Assert.Equal(expectedResponses, info.Responses.Select(r => AmqpMethods.GetName(r)!));
        }
    }

    [Fact]
    public void Every_method_has_a_struct_whose_constants_match_its_id()
    {
        Assert.Equal(Enum.GetValues<AmqpMethodId>().Length, AmqpMethods.All.Count);
        foreach (var info in AmqpMethods.All)
        {
            Assert.True(info.ClrType.IsValueType, info.Name);
            Assert.Contains(typeof(IAmqpMethod<>).MakeGenericType(info.ClrType), info.ClrType.GetInterfaces());
            Assert.Equal(info.ClassId, (ushort)info.ClrType.GetField("ClassId")!.GetValue(null)!);
            Assert.Equal(info.MethodId, (ushort)info.ClrType.GetField("MethodId")!.GetValue(null)!);
            Assert.Equal(info.Name, (string)info.ClrType.GetField("MethodName")!.GetValue(null)!);
            Assert.Equal(info.Id, ((IAmqpMethod)Activator.CreateInstance(info.ClrType)!).Id);
            Assert.True(AmqpMethods.TryGetInfo(info.Id, out var looked));
            Assert.Same(info, looked);
        }
    }

    [Fact]
    public void Rabbitmq_method_id_quirks_are_kept()
    {
        Assert.Equal((ushort)51, ExchangeUnbindOk.MethodId);
        Assert.Equal((ushort)40, ExchangeUnbindOk.ClassId);
        Assert.Equal(AmqpMethodId.BasicNack, AmqpMethods.GetId(60, 120));
        Assert.Equal((ushort)85, ConfirmSelect.ClassId);
        Assert.Equal("exchange.unbind-ok", AmqpMethods.GetName(AmqpMethods.GetId(40, 51)));
        Assert.Null(AmqpMethods.GetName(AmqpMethods.GetId(40, 41)));
    }

    [Fact]
    public void Only_publish_return_deliver_and_get_ok_carry_content()
    {
        var withContent = AmqpMethods.All.Where(m => m.HasContent).Select(m => m.Id).Order();
        Assert.Equal(
            new[] { AmqpMethodId.BasicPublish, AmqpMethodId.BasicReturn, AmqpMethodId.BasicDeliver, AmqpMethodId.BasicGetOk }.Order(),
            withContent);
        Assert.All(AmqpMethods.All, m => Assert.Equal(m.HasContent, AmqpMethods.HasContent(m.Id)));
    }

    [Fact]
    public void Synchronous_requests_name_their_replies()
    {
        Assert.True(AmqpMethods.IsSynchronous(AmqpMethodId.QueueDeclare));
        Assert.Equal([AmqpMethodId.QueueDeclareOk], AmqpMethods.GetResponses(AmqpMethodId.QueueDeclare));
        Assert.Equal([AmqpMethodId.BasicGetOk, AmqpMethodId.BasicGetEmpty], AmqpMethods.GetResponses(AmqpMethodId.BasicGet));
        Assert.Equal([AmqpMethodId.ExchangeUnbindOk], AmqpMethods.GetResponses(AmqpMethodId.ExchangeUnbind));
        Assert.False(AmqpMethods.IsSynchronous(AmqpMethodId.BasicPublish));
        Assert.False(AmqpMethods.IsSynchronous(AmqpMethodId.BasicAck));
        Assert.Empty(AmqpMethods.GetResponses(AmqpMethodId.BasicAck));
        Assert.All(AmqpMethods.All, m => Assert.Equal(m.IsSynchronous, m.Responses.Count > 0));
    }

    [Theory]
    [InlineData(200, "REPLY_SUCCESS", false, false)]
    [InlineData(311, "CONTENT_TOO_LARGE", true, false)]
    [InlineData(312, "NO_ROUTE", true, false)]
    [InlineData(313, "NO_CONSUMERS", true, false)]
    [InlineData(320, "CONNECTION_FORCED", false, true)]
    [InlineData(402, "INVALID_PATH", false, true)]
    [InlineData(403, "ACCESS_REFUSED", true, false)]
    [InlineData(404, "NOT_FOUND", true, false)]
    [InlineData(405, "RESOURCE_LOCKED", true, false)]
    [InlineData(406, "PRECONDITION_FAILED", true, false)]
    [InlineData(501, "FRAME_ERROR", false, true)]
    [InlineData(502, "SYNTAX_ERROR", false, true)]
    [InlineData(503, "COMMAND_INVALID", false, true)]
    [InlineData(504, "CHANNEL_ERROR", false, true)]
    [InlineData(505, "UNEXPECTED_FRAME", false, true)]
    [InlineData(506, "RESOURCE_ERROR", false, true)]
    [InlineData(530, "NOT_ALLOWED", false, true)]
    [InlineData(540, "NOT_IMPLEMENTED", false, true)]
    [InlineData(541, "INTERNAL_ERROR", false, true)]
    public void Reply_codes_carry_rabbitmq_names_and_classes(ushort code, string name, bool soft, bool hard)
    {
        Assert.Equal(name, AmqpReplyCodes.GetName(code));
        Assert.Equal(soft, AmqpReplyCodes.IsSoftError(code));
        Assert.Equal(hard, AmqpReplyCodes.IsHardError(code));
    }

    [Fact]
    public void Reply_text_is_formatted_like_rabbitmq_and_cut_to_255_bytes()
    {
        Assert.Equal("NOT_FOUND - no queue 'q1' in vhost '/'", AmqpReplyCodes.FormatReplyText(AmqpReplyCodes.NotFound, "no queue 'q1' in vhost '/'"));
        Assert.Equal(404, AmqpReplyCodes.NotFound);
        Assert.Equal(406, AmqpReplyCodes.PreconditionFailed);

        string longText = AmqpReplyCodes.FormatReplyText(AmqpReplyCodes.PreconditionFailed, new string('ä', 300));
        Assert.StartsWith("PRECONDITION_FAILED - ää", longText, StringComparison.Ordinal);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(longText) <= 255);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(longText) >= 254); // cut at a character boundary, not earlier

        var exception = new AmqpSyntaxException("bad table");
        Assert.Equal(502, exception.ReplyCode);
        Assert.Equal("SYNTAX_ERROR - bad table", exception.ReplyText);
        Assert.True(exception.IsHardError);
    }

    [Fact]
    public void Reading_an_unknown_method_id_is_command_invalid()
    {
        var exception = Assert.Throws<AmqpProtocolException>(() => AmqpMethods.ReadBoxed(AmqpMethods.GetId(50, 99), default));
        Assert.Equal(AmqpReplyCodes.CommandInvalid, exception.ReplyCode);
        Assert.Contains("class 50 method 99", exception.Message, StringComparison.Ordinal);
    }

    private static string RepositoryRootOrFail() =>
        RepositoryRoot.Find(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException($"No Tidings.slnx above {AppContext.BaseDirectory}.");
}
