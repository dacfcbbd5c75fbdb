using System.Globalization;
using System.Text;
using System.Text.Json;
using Tidings.Core.Security;
using Tidings.Sqs.Protocol;
using Tidings.Sqs.Queues;

namespace Tidings.Sqs.Actions;

/// <summary>Queue lifecycle and attributes: CreateQueue, DeleteQueue, GetQueueUrl, ListQueues, Get/SetQueueAttributes, PurgeQueue, ListDeadLetterSourceQueues.</summary>
public static class QueueActions
{
    /// <summary>Arguments of the broker queue behind a FIFO queue: its messages are grouped by x-message-group-id.</summary>
    private static readonly Dictionary<string, object?> FifoArguments = new() { ["x-message-groups"] = true };

    public static Task CreateQueue(SqsRequest request)
    {
        var input = request.Input;
        string name = input.Required("QueueName");
        var attributes = input.StringMap("Attributes", "Attribute");
        // JSON's tag map is lower-case "tags" in the model; Query's is Tag.N.Key/Value.
        var tags = input.StringMap("tags", "Tag", "Key", "Value");
        bool fifo = attributes.GetValueOrDefault(QueueAttributeNames.FifoQueue) == "true";
        if (attributes.TryGetValue(QueueAttributeNames.FifoQueue, out var fifoText) && fifoText is not ("true" or "false"))
            throw SqsErrors.InvalidAttributeValue($"Invalid value for the parameter FifoQueue. Value: {fifoText}");
        QueueNames.Check(name, fifo || name.EndsWith(".fifo", StringComparison.Ordinal));
        if (name.EndsWith(".fifo", StringComparison.Ordinal) && !fifo)
            throw SqsErrors.InvalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
        var settings = QueueSettings.Create(fifo, attributes);
        var service = request.Service;
        var vhost = service.VirtualHost;
        lock (service.Catalog.ChangeLock)
        {
            if (vhost.FindQueue(name) is { } existing && !existing.IsDeleted)
            {
                if (existing.Exclusive) throw SqsErrors.QueueNameExists(name);
                var current = service.Catalog.Of(existing).Settings;
                foreach (var (key, value) in attributes)
                {
                    if (current.Values.GetValueOrDefault(key, "") != value) throw SqsErrors.QueueNameExists(name);
                }
            }
            else
            {
                service.Authorize(request.User, Permission.Configure, name);
                RedriveRules.CheckTarget(service, name, settings);
                vhost.DeclareQueue(name, durable: true, arguments: fifo ? FifoArguments : null);
                service.Catalog.Add(name, settings, tags);
            }
        }
        request.Output.String("QueueUrl", request.QueueUrl(name));
        return Task.CompletedTask;
    }

    public static Task DeleteQueue(SqsRequest request)
    {
        var (core, _) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Configure, core.Name);
        lock (request.Service.Catalog.ChangeLock)
        {
            request.Service.VirtualHost.DeleteQueue(core.Name);
            request.Service.Catalog.Remove(core.Name);
        }
        return Task.CompletedTask;
    }

    public static Task GetQueueUrl(SqsRequest request)
    {
        var (core, _) = request.Service.ResolveName(request.Input.Required("QueueName"));
        request.Output.String("QueueUrl", request.QueueUrl(core.Name));
        return Task.CompletedTask;
    }

    public static Task ListQueues(SqsRequest request)
    {
        var input = request.Input;
        string prefix = input.String("QueueNamePrefix") ?? "";
        int? max = input.Int("MaxResults");
        if (max is < 1 or > 1000)
            throw SqsErrors.InvalidParameterValue($"Value {max} for parameter MaxResults is invalid. Reason: must be between 1 and 1000.");
        string? after = DecodeToken(input.String("NextToken"));
        var names = request.Service.VirtualHost.Queues
            .Where(q => !q.Exclusive && q.Name.StartsWith(prefix, StringComparison.Ordinal) && (after is null || string.CompareOrdinal(q.Name, after) > 0))
            .Select(q => q.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        // Without MaxResults AWS lists at most 1,000 and gives no token.
        int take = Math.Min(names.Count, max ?? 1000);
        var output = request.Output;
        if (take > 0)
        {
            output.StartList("QueueUrls", "QueueUrl");
            for (int i = 0; i < take; i++) output.ListString(request.QueueUrl(names[i]));
            output.EndList();
        }
        if (max is not null && names.Count > take) output.String("NextToken", EncodeToken(names[take - 1]));
        return Task.CompletedTask;
    }

    public static Task GetQueueAttributes(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Read, core.Name);
        var names = request.Input.StringList("AttributeNames", "AttributeName");
        var wanted = new List<string>();
        foreach (var name in names)
        {
            if (name == QueueAttributeNames.All) wanted.AddRange(QueueAttributeNames.Readable);
            else if (QueueAttributeNames.IsReadable(name)) wanted.Add(name);
            else throw SqsErrors.InvalidAttributeName(name);
        }
        var settings = sqs.Settings;
        var values = new List<(string, string)>();
        foreach (var name in wanted.Distinct())
        {
            string? value = name switch
            {
                QueueAttributeNames.ApproximateNumberOfMessages => Text(core.MessageCount),
                QueueAttributeNames.ApproximateNumberOfMessagesNotVisible => Text(core.UnackedCount),
                QueueAttributeNames.ApproximateNumberOfMessagesDelayed => Text(core.DelayedCount),
                QueueAttributeNames.CreatedTimestamp => Text(sqs.CreatedSeconds),
                QueueAttributeNames.LastModifiedTimestamp => Text(sqs.ModifiedSeconds),
                QueueAttributeNames.QueueArn => request.Service.Arn(core.Name),
                QueueAttributeNames.Policy => settings.Values.GetValueOrDefault(name) ?? PolicyOf(request.Service, sqs),
                _ => settings.Values.GetValueOrDefault(name),
            };
            if (value is not null) values.Add((name, value));
        }
        if (values.Count > 0)
        {
            request.Output.StartMap("Attributes", "Attribute");
            foreach (var (name, value) in values) request.Output.MapString(name, value);
            request.Output.EndMap();
        }
        return Task.CompletedTask;
    }

    public static Task SetQueueAttributes(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Configure, core.Name);
        var changes = request.Input.StringMap("Attributes", "Attribute");
        if (changes.Count == 0) throw SqsErrors.MissingParameter("Attributes");
        var settings = sqs.Settings.With(changes);
        if (changes.ContainsKey(QueueAttributeNames.RedrivePolicy)) RedriveRules.CheckTarget(request.Service, core.Name, settings);
        lock (request.Service.Catalog.ChangeLock)
        {
            sqs.ChangeSettings(settings, request.Service.Broker.Time.GetUtcNow().ToUnixTimeSeconds());
            request.Service.Catalog.Save();
        }
        return Task.CompletedTask;
    }

    public static Task PurgeQueue(SqsRequest request)
    {
        var (core, sqs) = request.Service.Resolve(request.Input.String("QueueUrl"));
        request.Service.Authorize(request.User, Permission.Read, core.Name);
        long now = request.Service.Broker.Time.GetUtcNow().ToUnixTimeMilliseconds();
        if (!sqs.TryStartPurge(now)) throw SqsErrors.PurgeQueueInProgress(core.Name);
        request.Service.VirtualHost.PurgeQueue(core.Name);
        return Task.CompletedTask;
    }

    public static Task ListDeadLetterSourceQueues(SqsRequest request)
    {
        var service = request.Service;
        var (core, _) = service.Resolve(request.Input.String("QueueUrl"));
        string arn = service.Arn(core.Name);
        int? max = request.Input.Int("MaxResults");
        if (max is < 1 or > 1000)
            throw SqsErrors.InvalidParameterValue($"Value {max} for parameter MaxResults is invalid. Reason: must be between 1 and 1000.");
        string? after = DecodeToken(request.Input.String("NextToken"));
        var sources = service.VirtualHost.Queues
            .Where(q => !q.Exclusive && service.Catalog.Find(q.Name)?.Settings.Redrive?.TargetArn == arn &&
                        (after is null || string.CompareOrdinal(q.Name, after) > 0))
            .Select(q => q.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        int take = Math.Min(sources.Count, max ?? 1000);
        // The model names this list "queueUrls" (lower case) in JSON; Query items are QueueUrl.
        request.Output.StartList("queueUrls", "QueueUrl");
        for (int i = 0; i < take; i++) request.Output.ListString(request.QueueUrl(sources[i]));
        request.Output.EndList();
        if (max is not null && sources.Count > take) request.Output.String("NextToken", EncodeToken(sources[take - 1]));
        return Task.CompletedTask;
    }

    /// <summary>The queue policy AddPermission grants add up to, as AWS shows it; null when there are none.</summary>
    private static string? PolicyOf(SqsService service, SqsQueue queue)
    {
        var permissions = queue.Permissions;
        if (permissions.Count == 0) return null;
        string arn = service.Arn(queue.Name);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("Version", "2012-10-17");
            json.WriteString("Id", arn + "/SQSDefaultPolicy");
            json.WriteStartArray("Statement");
            foreach (var permission in permissions.OrderBy(p => p.Label, StringComparer.Ordinal))
            {
                json.WriteStartObject();
                json.WriteString("Sid", permission.Label);
                json.WriteString("Effect", "Allow");
                json.WriteStartObject("Principal");
                json.WriteStartArray("AWS");
                foreach (var account in permission.Accounts) json.WriteStringValue($"arn:aws:iam::{account}:root");
                json.WriteEndArray();
                json.WriteEndObject();
                json.WriteStartArray("Action");
                foreach (var action in permission.Actions) json.WriteStringValue("SQS:" + action);
                json.WriteEndArray();
                json.WriteString("Resource", arn);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Page tokens are the last name listed, base64: opaque to clients, stable across pages.</summary>
    private static string EncodeToken(string lastName) => Convert.ToBase64String(Encoding.UTF8.GetBytes(lastName));

    private static string? DecodeToken(string? token)
    {
        if (string.IsNullOrEmpty(token)) return null;
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(token));
        }
        catch (FormatException)
        {
            throw SqsErrors.InvalidParameterValue("Invalid NextToken value.");
        }
    }
}
