using System.Text.Json;
using Tidings.Testing;

namespace Tidings.Sqs.Tests.Sns;

/// <summary>
/// Real SNS clients against the SNS API: the AWS SDK for JavaScript v3 (@aws-sdk/client-sns, AWS Query)
/// with @aws-sdk/client-sqs (tests/interop/node/sns_scenarios.mjs), and Debian's boto3.
/// </summary>
[Trait(TestCategories.Name, TestCategories.Interop)]
public sealed class SnsInteropTests
{
    [Theory]
    [InlineData("envelope")]
    [InlineData("raw")]
    [InlineData("filter")]
    [InlineData("publish_batch")]
    public async Task Aws_sdk_js_v3_scenario_passes(string scenario)
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        await ExternalProcess.RequireNodeModuleAsync("@aws-sdk/client-sns");
        var run = await ExternalProcess.RunNodeAsync("sns_scenarios.mjs", server.SqsEndpoint, scenario);
        Assert.True(run.ExitCode == 0, run.Describe());
        var result = JsonDocument.Parse(run.StdOut).RootElement;
        Assert.True(result.GetProperty("ok").GetBoolean(), run.StdOut);
        Assert.Equal(scenario, result.GetProperty("scenario").GetString());
    }

    [Fact]
    public async Task Boto3_creates_subscribes_publishes_and_lists()
    {
        await using var server = await TestBrokerServer.StartWithSqsAsync();
        await ExternalProcess.RequirePythonModulesAsync("boto3");
        const string script = """
            import json, sys, boto3
            kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
            sns, sqs = boto3.client('sns', **kw), boto3.client('sqs', **kw)
            arn = sns.create_topic(Name='boto-topic', Tags=[{'Key': 'k', 'Value': 'v'}])['TopicArn']
            url = sqs.create_queue(QueueName='boto-q')['QueueUrl']
            qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=['QueueArn'])['Attributes']['QueueArn']
            sub = sns.subscribe(TopicArn=arn, Protocol='sqs', Endpoint=qarn, Attributes={'RawMessageDelivery': 'true'}, ReturnSubscriptionArn=True)['SubscriptionArn']
            mid = sns.publish(TopicArn=arn, Message='from boto3', MessageAttributes={'a': {'DataType': 'String', 'StringValue': 'x'}, 'b': {'DataType': 'Binary', 'BinaryValue': b'\x00\x01'}})['MessageId']
            got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, MessageAttributeNames=['All'])['Messages']
            try:
                sns.get_topic_attributes(TopicArn=arn + 'x')
                missing = None
            except sns.exceptions.NotFoundException as e:
                missing = e.response['Error']['Code']
            print(json.dumps({
                'topics': [t['TopicArn'] for t in sns.list_topics()['Topics']],
                'subs': [s['SubscriptionArn'] for s in sns.list_subscriptions_by_topic(TopicArn=arn)['Subscriptions']],
                'attrs': sns.get_topic_attributes(TopicArn=arn)['Attributes'],
                'sub': sub, 'mid': mid, 'body': got[0]['Body'],
                'a': got[0]['MessageAttributes']['a']['StringValue'], 'b': list(got[0]['MessageAttributes']['b']['BinaryValue']),
                'tags': sns.list_tags_for_resource(ResourceArn=arn)['Tags'], 'missing': missing,
            }))
            """;
        var run = await ExternalProcess.RunAsync(ExternalProcess.DebianPython, ["-c", script, server.SqsEndpoint]);
        Assert.True(run.ExitCode == 0, run.Describe());
        var result = JsonDocument.Parse(run.StdOut).RootElement;
        const string arn = "arn:aws:sns:us-east-1:000000000000:boto-topic";
        Assert.Equal([arn], result.GetProperty("topics").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(result.GetProperty("sub").GetString(), Assert.Single(result.GetProperty("subs").EnumerateArray()).GetString());
        Assert.Equal("1", result.GetProperty("attrs").GetProperty("SubscriptionsConfirmed").GetString());
        Assert.Equal("from boto3", result.GetProperty("body").GetString());
        Assert.Equal("x", result.GetProperty("a").GetString());
        Assert.Equal([0, 1], result.GetProperty("b").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal("v", Assert.Single(result.GetProperty("tags").EnumerateArray()).GetProperty("Value").GetString());
        Assert.Equal("NotFound", result.GetProperty("missing").GetString());
    }
}
