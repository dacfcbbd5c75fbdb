using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Tidings.Core.Queues;
using Tidings.Core.Security;
using Tidings.Testing;

namespace Tidings.LogQueue.Tests;

/// <summary>Every operation and every failure rule of the API, over real HTTP under /logqueue on the HTTP port.</summary>
public sealed class LogQueueApiTests : IAsyncLifetime
{
    private TestBrokerServer _server = null!;
    private LogQueueCall _api = null!;

    public async Task InitializeAsync()
    {
        _server = await TestBrokerServer.StartWithLogQueueAsync(o => o.MaxMessageBytes = 1000);
        _api = LogQueueCall.OnHttpPort(_server);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Create_topic_makes_a_stream_queue_and_list_topics_lists_the_streams_only()
    {
        var created = (await _api.PostAsync("topics", new { name = "logs" })).Succeeded();
        Assert.Contains("logs", created.Message, StringComparison.Ordinal);
        _server.Broker.DefaultVirtualHost.DeclareQueue("classic", durable: true);

        var listed = (await _api.GetAsync("topics")).Succeeded();

        Assert.IsType<StreamQueue>(_server.Broker.DefaultVirtualHost.FindQueue("logs"));
        Assert.Equal(["logs"], listed.Json.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Creating_an_existing_topic_fails()
    {
        (await _api.PostAsync("topics", new { name = "logs" })).Succeeded();
        (await _api.PostAsync("topics", new { name = "logs" })).Failed(HttpStatusCode.BadRequest, "already exists");
    }

    [Fact]
    public async Task Consumer_registration_on_an_unknown_topic_fails_and_producer_registration_creates_it()
    {
        (await _api.PostAsync("consumer/register", new { topic = "nope" })).Failed(HttpStatusCode.NotFound, "does not exist");

        long producer = await _api.RegisterProducerAsync("fresh");

        Assert.IsType<StreamQueue>(_server.Broker.DefaultVirtualHost.FindQueue("fresh"));
        Assert.True(producer > 0);
    }

    [Fact]
    public async Task Each_registration_gets_a_new_id_unique_across_topics_and_roles()
    {
        var ids = new List<long>
        {
            await _api.RegisterProducerAsync("a"),
            await _api.RegisterProducerAsync("b"),
            await _api.RegisterConsumerAsync("a"),
            await _api.RegisterConsumerAsync("a"),
            await _api.RegisterConsumerAsync("b"),
        };
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task Produce_then_consume_returns_messages_in_order_and_size_counts_what_is_left()
    {
        long producer = await _api.RegisterProducerAsync("logs");
        long consumer = await _api.RegisterConsumerAsync("logs");
        foreach (string line in new[] { "one", "two", "drei ünd ☃" }) await _api.ProduceAsync("logs", producer, line);

        Assert.Equal(3, await _api.SizeAsync("logs", consumer));
        Assert.Equal("one", await _api.ConsumeAsync("logs", consumer));
        Assert.Equal(2, await _api.SizeAsync("logs", consumer));
        Assert.Equal("two", await _api.ConsumeAsync("logs", consumer));
        Assert.Equal("drei ünd ☃", await _api.ConsumeAsync("logs", consumer));
        Assert.Equal(0, await _api.SizeAsync("logs", consumer));
    }

    [Fact]
    public async Task Dequeue_with_nothing_left_fails_with_a_clear_message()
    {
        await _api.RegisterProducerAsync("logs");
        long consumer = await _api.RegisterConsumerAsync("logs");
        (await _api.GetAsync("consumer/consume", new { topic = "logs", consumer_id = consumer })).Failed(HttpStatusCode.BadRequest, "no new messages");
    }

    [Fact]
    public async Task Each_consumer_advances_only_its_own_position()
    {
        long producer = await _api.RegisterProducerAsync("logs");
        long first = await _api.RegisterConsumerAsync("logs");
        long second = await _api.RegisterConsumerAsync("logs");
        await _api.ProduceAsync("logs", producer, "m1");
        await _api.ProduceAsync("logs", producer, "m2");

        Assert.Equal("m1", await _api.ConsumeAsync("logs", first));
        Assert.Equal("m2", await _api.ConsumeAsync("logs", first));

        Assert.Equal(2, await _api.SizeAsync("logs", second));
        Assert.Equal("m1", await _api.ConsumeAsync("logs", second));
        var stream = (StreamQueue)_server.Broker.DefaultVirtualHost.FindQueue("logs")!;
        Assert.Equal(2, stream.PositionOf(RegisteredClient.PositionNameOf(first)));
        Assert.Equal(1, stream.PositionOf(RegisteredClient.PositionNameOf(second)));
    }

    [Fact]
    public async Task A_late_consumer_reads_from_the_start()
    {
        long producer = await _api.RegisterProducerAsync("logs");
        for (int i = 0; i < 5; i++) await _api.ProduceAsync("logs", producer, $"line {i}");

        long late = await _api.RegisterConsumerAsync("logs");

        Assert.Equal(5, await _api.SizeAsync("logs", late));
        Assert.Equal("line 0", await _api.ConsumeAsync("logs", late));
    }

    [Fact]
    public async Task A_producer_may_only_produce_to_its_own_topic()
    {
        long producer = await _api.RegisterProducerAsync("mine");
        await _api.RegisterProducerAsync("other");

        (await _api.PostAsync("producer/produce", new { topic = "other", producer_id = producer, message = "x" }))
            .Failed(HttpStatusCode.BadRequest, "registered for topic 'mine'");
    }

    [Fact]
    public async Task A_consumer_may_only_read_its_own_topic()
    {
        await _api.RegisterProducerAsync("other");
        await _api.RegisterProducerAsync("mine");
        long consumer = await _api.RegisterConsumerAsync("mine");

        (await _api.GetAsync("consumer/consume", new { topic = "other", consumer_id = consumer })).Failed(HttpStatusCode.BadRequest, "registered for topic 'mine'");
        (await _api.GetAsync("size", new { topic = "other", consumer_id = consumer })).Failed(HttpStatusCode.BadRequest, "registered for topic 'mine'");
    }

    [Fact]
    public async Task Unknown_ids_are_404_and_a_producer_id_is_not_a_consumer_id()
    {
        long producer = await _api.RegisterProducerAsync("logs");
        long consumer = await _api.RegisterConsumerAsync("logs");

        (await _api.PostAsync("producer/produce", new { topic = "logs", producer_id = 999, message = "x" })).Failed(HttpStatusCode.NotFound, "unknown producer_id 999");
        (await _api.PostAsync("producer/produce", new { topic = "logs", producer_id = consumer, message = "x" })).Failed(HttpStatusCode.NotFound, "unknown producer_id");
        (await _api.GetAsync("consumer/consume", new { topic = "logs", consumer_id = producer })).Failed(HttpStatusCode.NotFound, "unknown consumer_id");
        (await _api.GetAsync("size", new { topic = "logs", consumer_id = 12345 })).Failed(HttpStatusCode.NotFound, "unknown consumer_id 12345");
    }

    [Theory]
    [InlineData("producer/register", "{\"topic\": ", "malformed JSON")]
    [InlineData("producer/register", "[1, 2]", "must be a JSON object")]
    [InlineData("producer/register", "{\"topic\": 7}", "'topic' must be a string")]
    [InlineData("producer/register", "{}", "missing field 'topic'")]
    [InlineData("producer/register", "{\"topic\": \"\"}", "must not be empty")]
    [InlineData("topics", "{\"name\": null}", "'name' must be a string")]
    [InlineData("producer/produce", "{\"topic\": \"t\", \"producer_id\": \"1\", \"message\": \"m\"}", "'producer_id' must be an integer")]
    [InlineData("producer/produce", "{\"topic\": \"t\", \"producer_id\": 1.5, \"message\": \"m\"}", "'producer_id' must be an integer")]
    [InlineData("producer/produce", "{\"topic\": \"t\", \"producer_id\": 1}", "missing field 'message'")]
    [InlineData("producer/produce", "{\"topic\": \"t\", \"producer_id\": 1, \"message\": [\"m\"]}", "'message' must be a string")]
    [InlineData("producer/produce", "{\"topic\": \"t\", \"message\": \"m\"}", "missing field 'producer_id'")]
    [InlineData("producer/produce", "{\"topic\": \"t\", \"producer_id\": 1, \"message\": \"\\ud800\"}", "not valid Unicode")]
    [InlineData("producer/produce", "{\"topic\": \"t\"} trailing", "malformed JSON")]
    public async Task Bad_input_is_a_400_failure_with_a_message_and_the_server_keeps_serving(string path, string body, string problem)
    {
        (await _api.SendAsync(HttpMethod.Post, path, body)).Failed(HttpStatusCode.BadRequest, problem);

        (await _api.GetAsync("topics")).Succeeded();
    }

    [Fact]
    public async Task Get_parameters_of_the_wrong_type_in_a_body_or_a_query_string_are_refused()
    {
        (await _api.SendAsync(HttpMethod.Get, "size", "{\"topic\": \"t\", \"consumer_id\": true}")).Failed(HttpStatusCode.BadRequest, "'consumer_id' must be an integer");
        (await _api.GetAsync("size?topic=t&consumer_id=abc")).Failed(HttpStatusCode.BadRequest, "'consumer_id' must be an integer");
        (await _api.GetAsync("consumer/consume?topic=t")).Failed(HttpStatusCode.BadRequest, "missing field 'consumer_id'");
    }

    [Fact]
    public async Task Get_parameters_are_accepted_as_a_query_string()
    {
        long producer = await _api.RegisterProducerAsync("logs");
        long consumer = await _api.RegisterConsumerAsync("logs");
        await _api.ProduceAsync("logs", producer, "via query");

        var size = (await _api.GetAsync($"size?topic=logs&consumer_id={consumer}")).Succeeded();
        var message = (await _api.GetAsync($"consumer/consume?topic=logs&consumer_id={consumer}")).Succeeded();

        Assert.Equal(1, size.Json.GetProperty("size").GetInt64());
        Assert.Equal("via query", message.Message);
    }

    [Fact]
    public async Task An_oversized_message_is_refused_and_one_at_the_limit_is_kept()
    {
        long producer = await _api.RegisterProducerAsync("logs");
        long consumer = await _api.RegisterConsumerAsync("logs");

        (await _api.PostAsync("producer/produce", new { topic = "logs", producer_id = producer, message = new string('x', 1001) }))
            .Failed(HttpStatusCode.BadRequest, "message too large");
        // Escaped in JSON as \u00e9 each, 2 bytes each in UTF-8: 1000 bytes, the limit.
        (await _api.SendAsync(HttpMethod.Post, "producer/produce",
            $"{{\"topic\": \"logs\", \"producer_id\": {producer}, \"message\": \"{string.Concat(Enumerable.Repeat("\\u00e9", 500))}\"}}")).Succeeded();
        (await _api.SendAsync(HttpMethod.Post, "producer/produce",
            $"{{\"topic\": \"logs\", \"producer_id\": {producer}, \"message\": \"{string.Concat(Enumerable.Repeat("\\u00e9", 501))}\"}}"))
            .Failed(HttpStatusCode.BadRequest, "message too large");
        (await _api.SendAsync(HttpMethod.Post, "producer/produce", new string(' ', 7_000_000))).Failed(HttpStatusCode.BadRequest, "message too large");
        // A message in the query string has the same limit.
        (await _api.SendAsync(HttpMethod.Post, $"producer/produce?topic=logs&producer_id={producer}&message={new string('x', 1001)}", null))
            .Failed(HttpStatusCode.BadRequest, "message too large");

        Assert.Equal(new string('é', 500), await _api.ConsumeAsync("logs", consumer));
        Assert.Equal(0, await _api.SizeAsync("logs", consumer));
    }

    [Fact]
    public async Task Unknown_operations_and_wrong_methods_are_failures()
    {
        (await _api.GetAsync("nothing/here")).Failed(HttpStatusCode.NotFound, "no such operation");
        (await _api.GetAsync("producer/produce")).Failed(HttpStatusCode.MethodNotAllowed, "use POST");
        (await _api.PostAsync("size", new { topic = "t", consumer_id = 1 })).Failed(HttpStatusCode.MethodNotAllowed, "use GET");
    }

    [Fact]
    public async Task A_topic_that_is_a_classic_queue_is_refused()
    {
        _server.Broker.DefaultVirtualHost.DeclareQueue("classic", durable: true);

        (await _api.PostAsync("topics", new { name = "classic" })).Failed(HttpStatusCode.BadRequest, "not a stream");
        (await _api.PostAsync("producer/register", new { topic = "classic" })).Failed(HttpStatusCode.BadRequest, "not a stream");
        (await _api.PostAsync("consumer/register", new { topic = "classic" })).Failed(HttpStatusCode.NotFound, "does not exist");
    }

    [Fact]
    public async Task Basic_credentials_act_as_their_user_with_its_permissions()
    {
        _server.Broker.AddUser("alice", "secret").SetPermissions("/", new VhostPermissions("^alice-.*", "^alice-.*", "^alice-.*"));
        using var alice = new LogQueueCall(new HttpClient { BaseAddress = _api.Http.BaseAddress });
        alice.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:secret")));
        using var wrong = new LogQueueCall(new HttpClient { BaseAddress = _api.Http.BaseAddress });
        wrong.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:nope")));

        (await alice.PostAsync("topics", new { name = "alice-logs" })).Succeeded();
        (await alice.PostAsync("topics", new { name = "bob-logs" })).Failed(HttpStatusCode.Forbidden, "may not create");
        (await wrong.GetAsync("topics")).Failed(HttpStatusCode.Unauthorized, "login failed");
    }
}
