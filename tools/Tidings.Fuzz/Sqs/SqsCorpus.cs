using System.Text.Json.Nodes;

namespace Tidings.Fuzz.Sqs;

/// <summary>A valid call to mutate from: AWS JSON 1.0 (an X-Amz-Target and a JSON body) or AWS Query (form fields).</summary>
internal sealed record SqsSeed(string Action, JsonNode? Json, IReadOnlyList<(string Name, string Value)>? Fields)
{
    public bool IsJson => Json is not null;
}

/// <summary>
/// Realistic calls of every action in both protocols, against the queues <see cref="SqsTarget"/>
/// prepares: fz-q (standard, redriving to fz-dlq), fz-dlq and fz-q.fifo. Receives never wait.
/// </summary>
internal static class SqsCorpus
{
    public const string Base = "http://localhost/000000000000/";
    public const string Queue = Base + "fz-q";
    public const string DeadLetters = Base + "fz-dlq";
    public const string Fifo = Base + "fz-q.fifo";
    public const string DeadLettersArn = "arn:aws:sqs:us-east-1:000000000000:fz-dlq";
    public const string QueueArn = "arn:aws:sqs:us-east-1:000000000000:fz-q";
    private const string Redrive = """{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:fz-dlq","maxReceiveCount":"5"}""";
    private const string Escaped = """{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:fz-dlq\",\"maxReceiveCount\":\"5\"}""";
    private const string AllowAll = """{\"redrivePermission\":\"allowAll\"}""";
    private const string Policy = """{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\"}]}""";

    /// <summary>Values the form and JSON mutators put in place of others: SQS's own vocabulary and edges.</summary>
    public static readonly string[] Values =
    [
        "", " ", "0", "-1", "1", "10", "11", "20", "21", "43200", "43201", "1209600", "262144", "262145", "1048576", "2147483647",
        "2147483648", "-2147483649", "99999999999999999999", "1e3", "0x10", "true", "false", "TRUE", "null", "All", ".*", "*",
        "String", "Number", "Binary", "String.custom", "Number.float", "Binary.gz", "string", "Binary.", "AAAA", "AQID", "!!!", "====",
        "fz-q", "fz-dlq", "fz-q.fifo", "fz-new.fifo", ".fifo", "fz q", "fz-q.fifo.fifo", "ünïcødé", "😀", "a\u0000b", "\u0001", "\uFFFE",
        "\t\r\n", "<x>&amp;]]>", "\"'", Queue, DeadLetters, Fifo, Base + "missing", Base, "http://localhost/", "http://localhost/1/", "/",
        "http://localhost/000000000000/fz-q?x=1", "http://[::1/x", DeadLettersArn, QueueArn, "arn:aws:sqs:us-east-1:000000000000:",
        "arn:aws:sqs", "arn:::::", Redrive, "{}", "[]", "{\"maxReceiveCount\":0}", "{\"deadLetterTargetArn\":5}",
        "{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[]}", "{\"redrivePermission\":\"denyAll\"}", "{\"Statement\":{}}",
        "VisibilityTimeout", "DelaySeconds", "RedrivePolicy", "FifoQueue", "ContentBasedDeduplication", "ApproximateNumberOfMessages",
        "QueueArn", "SentTimestamp", "SequenceNumber", "MessageGroupId", "AWSTraceHeader", "messageGroup", "perMessageGroupId",
        "perQueue", "queue", "SendMessage", "ReceiveMessage", "*", "000000000000", "AQEBAAAA", "AQEB" + new string('A', 400),
        "%", "%zz", "+", "&", "=", "AmazonSQS.ListQueues",
    ];

    private static JsonNode J(string json) => JsonNode.Parse(json)!;

    private static SqsSeed Json(string action, string body) => new(action, J(body), null);

    private static SqsSeed Query(string action, params string[] fields) =>
        new(action, null, [("Action", action), ("Version", "2012-11-05"), .. fields.Select(f => (f.Split('=', 2)[0], f.Split('=', 2)[1]))]);

    public static readonly SqsSeed[] Seeds =
    [
        // Queues.
        Json("CreateQueue", """{"QueueName":"fz-new","Attributes":{"VisibilityTimeout":"30","DelaySeconds":"0","MaximumMessageSize":"262144","MessageRetentionPeriod":"345600","ReceiveMessageWaitTimeSeconds":"0","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:fz-dlq\",\"maxReceiveCount\":\"3\"}"},"tags":{"team":"fuzz","env":"ci"}}"""),
        Json("CreateQueue", """{"QueueName":"fz-new.fifo","Attributes":{"FifoQueue":"true","ContentBasedDeduplication":"true","DeduplicationScope":"messageGroup","FifoThroughputLimit":"perMessageGroupId"}}"""),
        Query("CreateQueue", "QueueName=fz-new", "Attribute.1.Name=VisibilityTimeout", "Attribute.1.Value=12", "Attribute.2.Name=RedrivePolicy",
            "Attribute.2.Value=" + Redrive, "Tag.1.Key=team", "Tag.1.Value=a"),
        Query("CreateQueue", "QueueName=fz-new.fifo", "Attribute.1.Name=FifoQueue", "Attribute.1.Value=true",
            "Attribute.2.Name=ContentBasedDeduplication", "Attribute.2.Value=false", "Attribute.3.Name=DeduplicationScope", "Attribute.3.Value=queue"),
        Json("GetQueueUrl", """{"QueueName":"fz-q","QueueOwnerAWSAccountId":"000000000000"}"""),
        Query("GetQueueUrl", "QueueName=fz-q.fifo"),
        Json("ListQueues", """{"QueueNamePrefix":"fz","MaxResults":2}"""),
        Json("ListQueues", """{"MaxResults":1,"NextToken":"ZnotYQ=="}"""),
        Query("ListQueues", "QueueNamePrefix=fz-", "MaxResults=1000"),
        Json("GetQueueAttributes", """{"QueueUrl":"{{Queue}}","AttributeNames":["All"]}""".Replace("{{Queue}}", Queue, StringComparison.Ordinal)),
        Query("GetQueueAttributes", "QueueUrl=" + Fifo, "AttributeName.1=FifoQueue", "AttributeName.2=ApproximateNumberOfMessages", "AttributeName.3=QueueArn"),
        Json("SetQueueAttributes", $$$"""{"QueueUrl":"{{{Queue}}}","Attributes":{"RedrivePolicy":"{{{Escaped}}}","VisibilityTimeout":"40","Policy":"{{{Policy}}}"}}"""),
        Json("SetQueueAttributes", $$$"""{"QueueUrl":"{{{DeadLetters}}}","Attributes":{"RedriveAllowPolicy":"{{{AllowAll}}}","MessageRetentionPeriod":"60"}}"""),
        Query("SetQueueAttributes", "QueueUrl=" + Queue, "Attribute.1.Name=RedrivePolicy", "Attribute.1.Value=" + Redrive,
            "Attribute.2.Name=DelaySeconds", "Attribute.2.Value=0"),
        Query("SetQueueAttributes", "QueueUrl=" + Fifo, "Attribute.1.Name=ContentBasedDeduplication", "Attribute.1.Value=true",
            "Attribute.2.Name=FifoThroughputLimit", "Attribute.2.Value=perQueue"),
        Json("PurgeQueue", $$"""{"QueueUrl":"{{Base}}fz-new"}"""),
        Query("DeleteQueue", "QueueUrl=" + Base + "fz-new"),
        Json("DeleteQueue", $$"""{"QueueUrl":"{{Base}}fz-new.fifo"}"""),
        Json("ListDeadLetterSourceQueues", $$"""{"QueueUrl":"{{DeadLetters}}","MaxResults":10}"""),
        Query("ListDeadLetterSourceQueues", "QueueUrl=" + DeadLetters),
        // Tags and permissions.
        Json("TagQueue", $$$"""{"QueueUrl":"{{{Queue}}}","Tags":{"k1":"v1","k2":""}}"""),
        Query("TagQueue", "QueueUrl=" + Queue, "Tag.1.Key=k1", "Tag.1.Value=v1", "Tag.2.Key=k3", "Tag.2.Value=v3"),
        Json("UntagQueue", $$"""{"QueueUrl":"{{Queue}}","TagKeys":["k1","nope"]}"""),
        Query("UntagQueue", "QueueUrl=" + Queue, "TagKey.1=k2"),
        Json("ListQueueTags", $$"""{"QueueUrl":"{{Queue}}"}"""),
        Query("ListQueueTags", "QueueUrl=" + Fifo),
        Json("AddPermission", $$"""{"QueueUrl":"{{Queue}}","Label":"fz","AWSAccountIds":["111122223333"],"Actions":["SendMessage","ReceiveMessage"]}"""),
        Query("AddPermission", "QueueUrl=" + Queue, "Label=fz2", "AWSAccountId.1=111122223333", "ActionName.1=*"),
        Json("RemovePermission", $$"""{"QueueUrl":"{{Queue}}","Label":"fz"}"""),
        Query("RemovePermission", "QueueUrl=" + Queue, "Label=fz2"),
        // Sending.
        Json("SendMessage", $$$$"""{"QueueUrl":"{{{{Queue}}}}","MessageBody":"hello","DelaySeconds":0,"MessageAttributes":{"s":{"DataType":"String","StringValue":"v"},"n":{"DataType":"Number","StringValue":"-1.5e3"},"b":{"DataType":"Binary","BinaryValue":"AAECAw=="},"c":{"DataType":"String.custom","StringValue":"x"}},"MessageSystemAttributes":{"AWSTraceHeader":{"DataType":"String","StringValue":"Root=1-5759e988-bd862e3fe1be46a994272793"}}}"""),
        Json("SendMessage", $$"""{"QueueUrl":"{{Fifo}}","MessageBody":"f","MessageGroupId":"g1","MessageDeduplicationId":"d1"}"""),
        Query("SendMessage", "QueueUrl=" + Queue, "MessageBody=a <b> & \"c\"\r\n", "DelaySeconds=1",
            "MessageAttribute.1.Name=s", "MessageAttribute.1.Value.DataType=String", "MessageAttribute.1.Value.StringValue=v",
            "MessageAttribute.2.Name=n", "MessageAttribute.2.Value.DataType=Number", "MessageAttribute.2.Value.StringValue=42",
            "MessageAttribute.3.Name=b", "MessageAttribute.3.Value.DataType=Binary", "MessageAttribute.3.Value.BinaryValue=AQID",
            "MessageSystemAttribute.1.Name=AWSTraceHeader", "MessageSystemAttribute.1.Value.DataType=String",
            "MessageSystemAttribute.1.Value.StringValue=Root=1-5759e988-bd862e3fe1be46a994272793"),
        Query("SendMessage", "QueueUrl=" + Fifo, "MessageBody=f", "MessageGroupId=g2"),
        Json("SendMessageBatch", $$$$"""{"QueueUrl":"{{{{Queue}}}}","Entries":[{"Id":"1","MessageBody":"a"},{"Id":"2","MessageBody":"b","DelaySeconds":2,"MessageAttributes":{"k":{"DataType":"Number","StringValue":"7"}}}]}"""),
        Json("SendMessageBatch", $$"""{"QueueUrl":"{{Fifo}}","Entries":[{"Id":"x","MessageBody":"a","MessageGroupId":"g","MessageDeduplicationId":"1"},{"Id":"y","MessageBody":"b","MessageGroupId":"g"}]}"""),
        Query("SendMessageBatch", "QueueUrl=" + Queue, "SendMessageBatchRequestEntry.1.Id=a", "SendMessageBatchRequestEntry.1.MessageBody=one",
            "SendMessageBatchRequestEntry.2.Id=b", "SendMessageBatchRequestEntry.2.MessageBody=two",
            "SendMessageBatchRequestEntry.2.MessageAttribute.1.Name=k", "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.DataType=String",
            "SendMessageBatchRequestEntry.2.MessageAttribute.1.Value.StringValue=v"),
        // Receiving and settling.
        Json("ReceiveMessage", $$"""{"QueueUrl":"{{Queue}}","MaxNumberOfMessages":10,"VisibilityTimeout":1,"WaitTimeSeconds":0,"AttributeNames":["All"],"MessageSystemAttributeNames":["SentTimestamp","ApproximateReceiveCount"],"MessageAttributeNames":["All"]}"""),
        Json("ReceiveMessage", $$"""{"QueueUrl":"{{Fifo}}","MaxNumberOfMessages":2,"WaitTimeSeconds":0,"ReceiveRequestAttemptId":"att-1","MessageAttributeNames":["s","n.*"]}"""),
        Query("ReceiveMessage", "QueueUrl=" + Queue, "MaxNumberOfMessages=5", "WaitTimeSeconds=0", "VisibilityTimeout=0",
            "AttributeName.1=All", "MessageAttributeName.1=All"),
        Query("ReceiveMessage", "QueueUrl=" + DeadLetters, "WaitTimeSeconds=0", "MessageSystemAttributeName.1=SequenceNumber"),
        Json("DeleteMessage", $$"""{"QueueUrl":"{{Queue}}","ReceiptHandle":"{receipt}"}"""),
        Query("DeleteMessage", "QueueUrl=" + Queue, "ReceiptHandle={receipt}"),
        Json("DeleteMessage", $$"""{"QueueUrl":"{{Queue}}","ReceiptHandle":"AQEBnotAHandle=="}"""),
        Json("DeleteMessageBatch", $$"""{"QueueUrl":"{{Queue}}","Entries":[{"Id":"1","ReceiptHandle":"{receipt}"},{"Id":"2","ReceiptHandle":"bad"}]}"""),
        Query("DeleteMessageBatch", "QueueUrl=" + Queue, "DeleteMessageBatchRequestEntry.1.Id=1", "DeleteMessageBatchRequestEntry.1.ReceiptHandle={receipt}"),
        Json("ChangeMessageVisibility", $$"""{"QueueUrl":"{{Queue}}","ReceiptHandle":"{receipt}","VisibilityTimeout":0}"""),
        Query("ChangeMessageVisibility", "QueueUrl=" + Queue, "ReceiptHandle={receipt}", "VisibilityTimeout=43200"),
        Json("ChangeMessageVisibilityBatch", $$"""{"QueueUrl":"{{Queue}}","Entries":[{"Id":"1","ReceiptHandle":"{receipt}","VisibilityTimeout":5}]}"""),
        Query("ChangeMessageVisibilityBatch", "QueueUrl=" + Queue, "ChangeMessageVisibilityBatchRequestEntry.1.Id=a",
            "ChangeMessageVisibilityBatchRequestEntry.1.ReceiptHandle={receipt}", "ChangeMessageVisibilityBatchRequestEntry.1.VisibilityTimeout=0"),
        // Redrive.
        Json("StartMessageMoveTask", $$"""{"SourceArn":"{{DeadLettersArn}}","DestinationArn":"{{QueueArn}}","MaxNumberOfMessagesPerSecond":50}"""),
        Query("StartMessageMoveTask", "SourceArn=" + DeadLettersArn),
        Json("ListMessageMoveTasks", $$"""{"SourceArn":"{{DeadLettersArn}}","MaxResults":10}"""),
        Query("ListMessageMoveTasks", "SourceArn=" + DeadLettersArn, "MaxResults=1"),
        Json("CancelMessageMoveTask", """{"TaskHandle":"eyJ0YXNrSWQiOiJ4In0="}"""),
        Query("CancelMessageMoveTask", "TaskHandle=nonsense"),
    ];
}
