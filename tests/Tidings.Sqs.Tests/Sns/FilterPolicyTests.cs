using System.Text.Json;
using Tidings.Sqs.Sns;

namespace Tidings.Sqs.Tests.Sns;

/// <summary>
/// The examples of the SNS developer guide (string, numeric, key matching, AND/OR, the example
/// policies) as tables, each row a policy, a message and whether AWS says it matches; then edge
/// cases and the validation errors.
/// </summary>
public sealed class FilterPolicyTests
{
    // The example message of "Example filter policies", as attributes and as a body.
    private const string ExampleAttributes = """
        {
          "customer_interests": {"Type": "String.Array", "Value": "[\"soccer\", \"rugby\", \"hockey\"]"},
          "store": {"Type": "String", "Value": "example_corp"},
          "event": {"Type": "String", "Value": "order_placed"},
          "price_usd": {"Type": "Number", "Value": "210.75"}
        }
        """;

    private const string ExampleBody = """
        {"customer_interests": ["soccer", "rugby", "hockey"], "store": "example_corp", "event": "order_placed", "price_usd": 210.75}
        """;

    private const string AcceptingPolicy = """
        {
          "store": ["example_corp"],
          "event": [{"anything-but": "order_cancelled"}],
          "customer_interests": ["rugby", "football", "baseball"],
          "price_usd": [{"numeric": [">=", 100]}]
        }
        """;

    private const string RejectingPolicy = """
        {
          "store": ["example_corp"],
          "event": ["order_cancelled"],
          "encrypted": [false],
          "customer_interests": ["basketball", "baseball"]
        }
        """;

    /// <summary>Policy, message attributes in the docs' notation, expected result.</summary>
    public static TheoryData<string, string, bool> AttributeExamples => new()
    {
        // Example filter policies.
        { AcceptingPolicy, ExampleAttributes, true },
        { RejectingPolicy, ExampleAttributes, false },

        // String exact matching.
        { """{"customer_interests": ["rugby", "tennis"]}""", """{"customer_interests": {"Type": "String", "Value": "rugby"}}""", true },
        { """{"customer_interests": ["rugby", "tennis"]}""", """{"customer_interests": {"Type": "String", "Value": "tennis"}}""", true },
        { """{"customer_interests": ["rugby", "tennis"]}""", """{"customer_interests": {"Type": "String.Array", "Value": "[\"rugby\", \"tennis\"]"}}""", true },
        { """{"customer_interests": ["rugby", "tennis"]}""", """{"customer_interests": {"Type": "String", "Value": "baseball"}}""", false },
        { """{"customer_interests": ["rugby", "tennis"]}""", """{"customer_interests": {"Type": "String.Array", "Value": "[\"baseball\"]"}}""", false },

        // Prefix.
        { """{"customer_interests": [{"prefix": "bas"}]}""", """{"customer_interests": {"Type": "String", "Value": "baseball"}}""", true },
        { """{"customer_interests": [{"prefix": "bas"}]}""", """{"customer_interests": {"Type": "String", "Value": "basketball"}}""", true },
        { """{"customer_interests": [{"prefix": "bas"}]}""", """{"customer_interests": {"Type": "String", "Value": "rugby"}}""", false },

        // Suffix.
        { """{"customer_interests": [{"suffix": "ball"}]}""", """{"customer_interests": {"Type": "String", "Value": "baseball"}}""", true },
        { """{"customer_interests": [{"suffix": "ball"}]}""", """{"customer_interests": {"Type": "String", "Value": "rugby"}}""", false },

        // Equals-ignore-case.
        { """{"customer_interests": [{"equals-ignore-case": "tennis"}]}""", """{"customer_interests": {"Type": "String", "Value": "TENNIS"}}""", true },
        { """{"customer_interests": [{"equals-ignore-case": "tennis"}]}""", """{"customer_interests": {"Type": "String", "Value": "Tennis"}}""", true },
        { """{"customer_interests": [{"equals-ignore-case": "tennis"}]}""", """{"customer_interests": {"Type": "String", "Value": "baseball"}}""", false },

        // String anything-but.
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", """{"customer_interests": {"Type": "String", "Value": "baseball"}}""", true },
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", """{"customer_interests": {"Type": "String", "Value": "football"}}""", true },
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", """{"customer_interests": {"Type": "String.Array", "Value": "[\"rugby\", \"baseball\"]"}}""", true },
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", """{"customer_interests": {"Type": "String", "Value": "rugby"}}""", false },
        { """{"event": [{"anything-but": {"prefix": "order-"}}]}""", """{"event": {"Type": "String", "Value": "data-entry"}}""", true },
        { """{"event": [{"anything-but": {"prefix": "order-"}}]}""", """{"event": {"Type": "String", "Value": "order_number"}}""", true },
        { """{"event": [{"anything-but": {"prefix": "order-"}}]}""", """{"event": {"Type": "String", "Value": "order-cancelled"}}""", false },
        { """{"event": [{"anything-but": {"suffix": "-cancelled"}}]}""", """{"event": {"Type": "String", "Value": "order-placed"}}""", true },
        { """{"event": [{"anything-but": {"suffix": "-cancelled"}}]}""", """{"event": {"Type": "String", "Value": "order-cancelled"}}""", false },

        // IP address matching.
        { """{"source_ip": [{"cidr": "10.0.0.0/24"}]}""", """{"source_ip": {"Type": "String", "Value": "10.0.0.0"}}""", true },
        { """{"source_ip": [{"cidr": "10.0.0.0/24"}]}""", """{"source_ip": {"Type": "String", "Value": "10.0.0.255"}}""", true },
        { """{"source_ip": [{"cidr": "10.0.0.0/24"}]}""", """{"source_ip": {"Type": "String", "Value": "10.1.1.0"}}""", false },

        // Numeric exact and anything-but.
        { """{"price_usd": [{"numeric": ["=", 301.5]}]}""", """{"price_usd": {"Type": "Number", "Value": 301.5}}""", true },
        { """{"price_usd": [{"numeric": ["=", 301.5]}]}""", """{"price_usd": {"Type": "Number", "Value": 3.015e2}}""", true },
        { """{"price": [{"anything-but": [100, 500]}]}""", """{"price": {"Type": "Number", "Value": 101}}""", true },
        { """{"price": [{"anything-but": [100, 500]}]}""", """{"price": {"Type": "Number", "Value": 100.1}}""", true },
        { """{"price": [{"anything-but": [100, 500]}]}""", """{"price": {"Type": "Number", "Value": 100}}""", false },

        // Numeric ranges.
        { """{"price_usd": [{"numeric": ["<", 0]}]}""", """{"price_usd": {"Type": "Number", "Value": "-1"}}""", true },
        { """{"price_usd": [{"numeric": ["<", 0]}]}""", """{"price_usd": {"Type": "Number", "Value": "0"}}""", false },
        { """{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}""", """{"price_usd": {"Type": "Number", "Value": "150"}}""", true },
        { """{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}""", """{"price_usd": {"Type": "Number", "Value": "0"}}""", false },
        { """{"price_usd": [{"numeric": [">", 0, "<=", 150]}]}""", """{"price_usd": {"Type": "Number", "Value": "150.5"}}""", false },

        // Key matching.
        { """{"store": [{"exists": true}]}""", """{"store": {"Type": "String", "Value": "fans"}, "customer_interests": {"Type": "String.Array", "Value": "[\"baseball\", \"basketball\"]"}}""", true },
        { """{"store": [{"exists": true}]}""", """{"customer_interests": {"Type": "String.Array", "Value": "[\"baseball\", \"basketball\"]"}}""", false },
        { """{"store": [{"exists": false}]}""", """{"store": {"Type": "String", "Value": "fans"}, "customer_interests": {"Type": "String.Array", "Value": "[\"baseball\", \"basketball\"]"}}""", false },
        { """{"store": [{"exists": false}]}""", """{"customer_interests": {"Type": "String.Array", "Value": "[\"baseball\", \"basketball\"]"}}""", true },

        // AND / OR logic.
        { """{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}""", """{"customer_interests": {"Type": "String", "Value": "rugby"}, "price_usd": {"Type": "Number", "Value": "101"}}""", true },
        { """{"customer_interests": ["rugby"], "price_usd": [{"numeric": [">", 100]}]}""", """{"customer_interests": {"Type": "String", "Value": "rugby"}, "price_usd": {"Type": "Number", "Value": "100"}}""", false },
        { """{"customer_interests": ["rugby", "football", "baseball"]}""", """{"customer_interests": {"Type": "String", "Value": "football"}}""", true },

        // The "$or" operator: source && (metricName || namespace).
        { StandardOr, """{"source": {"Type": "String", "Value": "aws.cloudwatch"}, "metricName": {"Type": "String", "Value": "CPUUtilization"}}""", true },
        { StandardOr, """{"source": {"Type": "String", "Value": "aws.cloudwatch"}, "namespace": {"Type": "String", "Value": "AWS/EC2"}}""", true },
        { StandardOr, """{"source": {"Type": "String", "Value": "aws.cloudwatch"}, "metricName": {"Type": "String", "Value": "Other"}}""", false },
        { StandardOr, """{"metricName": {"Type": "String", "Value": "CPUUtilization"}}""", false },

        // Nested "$or": source && (metricName || (metricType && (metricId || spaceId)) || namespace).
        { NestedOr, """{"source": {"Type": "String", "Value": "aws.cloudwatch"}, "metricType": {"Type": "String", "Value": "MetricType"}, "metricId": {"Type": "Number", "Value": "1234"}}""", true },
        { NestedOr, """{"source": {"Type": "String", "Value": "aws.cloudwatch"}, "metricType": {"Type": "String", "Value": "MetricType"}, "spaceId": {"Type": "Number", "Value": "1001"}}""", true },
        { NestedOr, """{"source": {"Type": "String", "Value": "aws.cloudwatch"}, "metricType": {"Type": "String", "Value": "MetricType"}}""", false },
        { NestedOr, """{"source": {"Type": "String", "Value": "aws.cloudwatch"}, "namespace": {"Type": "String", "Value": "AWS/EC2"}}""", true },
    };

    private const string StandardOr = """
        {"source": ["aws.cloudwatch"], "$or": [{"metricName": ["CPUUtilization"]}, {"namespace": ["AWS/EC2"]}]}
        """;

    private const string NestedOr = """
        {
          "source": ["aws.cloudwatch"],
          "$or": [
            {"metricName": ["CPUUtilization", "ReadLatency"]},
            {"metricType": ["MetricType"], "$or": [{"metricId": [1234, 4321]}, {"spaceId": [{"numeric": [">", 1000]}]}]},
            {"namespace": ["AWS/EC2"]}
          ]
        }
        """;

    /// <summary>Policy, message body, expected result.</summary>
    public static TheoryData<string, string, bool> BodyExamples => new()
    {
        { AcceptingPolicy, ExampleBody, true },
        { RejectingPolicy, ExampleBody, false },
        { """{"customer_interests": ["rugby", "tennis"]}""", """{"customer_interests": "rugby"}""", true },
        { """{"customer_interests": ["rugby", "tennis"]}""", """{"customer_interests": "baseball"}""", false },
        { """{"customer_interests": [{"prefix": "bas"}]}""", """{"customer_interests": "basketball"}""", true },
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", """{"customer_interests": ["rugby", "baseball"]}""", true },
        { """{"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}""", """{"customer_interests": ["rugby"]}""", false },
        { """{"event": [{"anything-but": {"prefix": "order-"}}]}""", """{"event": "order-cancelled"}""", false },
        { """{"price_usd": [{"numeric": ["=", 301.5]}]}""", """{"price_usd": 301.5}""", true },
        { """{"price_usd": [{"numeric": ["=", 301.5]}]}""", """{"price_usd": 3.015e2}""", true },
        { """{"price": [{"anything-but": [100, 500]}]}""", """{"price": [100, 50]}""", true },
        { """{"price": [{"anything-but": [100, 500]}]}""", """{"price": 100}""", false },
        { """{"store": [{"exists": true}]}""", """{"store": "fans", "customer_interests": ["baseball", "basketball"]}""", true },
        { """{"store": [{"exists": true}]}""", """{"customer_interests": ["baseball", "basketball"]}""", false },
        { """{"store": [{"exists": false}]}""", """{"customer_interests": ["baseball", "basketball"]}""", true },
        { """{"source_ip": [{"cidr": "10.0.0.0/24"}]}""", """{"source_ip": "10.0.0.255"}""", true },

        // Nested keys follow nested properties; arrays of objects are searched element by element.
        { """{"order": {"customer": {"tier": ["gold"]}}}""", """{"order": {"customer": {"tier": "gold"}}}""", true },
        { """{"order": {"customer": {"tier": ["gold"]}}}""", """{"order": {"customer": {"tier": "silver"}}}""", false },
        { """{"order": {"customer": {"tier": ["gold"]}}}""", """{"order": {"tier": "gold"}}""", false },
        { """{"items": {"sku": [{"prefix": "A-"}]}}""", """{"items": [{"sku": "B-1"}, {"sku": "A-2"}]}""", true },
        { """{"items": {"sku": [{"prefix": "A-"}]}}""", """{"items": [{"sku": "B-1"}]}""", false },
        { """{"a": {"$or": [{"b": [1]}, {"c": [2]}]}}""", """{"a": {"c": 2}}""", true },
        { """{"a": {"$or": [{"b": [1]}, {"c": [2]}]}}""", """{"a": {"c": 3}}""", false },

        // Literals and types: true/false/null only match themselves; strings never equal numbers.
        { """{"flag": [true]}""", """{"flag": true}""", true },
        { """{"flag": [true]}""", """{"flag": "true"}""", false },
        { """{"missing": [null]}""", """{"missing": null}""", true },
        { """{"n": [5]}""", """{"n": "5"}""", false },
        { """{"n": [5]}""", """{"n": 5.0}""", true },

        // A body that is not a JSON object has no keys: only "exists": false can match it.
        { """{"store": [{"exists": false}]}""", "plain text", true },
        { """{"store": ["fans"]}""", "plain text", false },
        { """{"store": [{"exists": false}]}""", "[1, 2]", true },
        { """{"store": [{"anything-but": "x"}]}""", "\"fans\"", false },
        { "{}", "not json", true },

        // A key mapped to an object is not a leaf: it does not "exist" for the policy.
        { """{"store": [{"exists": true}]}""", """{"store": {"name": "fans"}}""", false },
    };

    [Theory]
    [MemberData(nameof(AttributeExamples))]
    public void Attribute_policy_matches_as_the_AWS_documentation_says(string policy, string attributes, bool expected)
    {
        var filter = FilterPolicy.Parse(policy, FilterPolicyScope.MessageAttributes);

        Assert.Equal(expected, filter.Matches(Attributes(attributes), body: "ignored"));
    }

    [Theory]
    [MemberData(nameof(BodyExamples))]
    public void Body_policy_matches_as_the_AWS_documentation_says(string policy, string body, bool expected)
    {
        var filter = FilterPolicy.Parse(policy, FilterPolicyScope.MessageBody);

        Assert.Equal(expected, filter.Matches(new Dictionary<string, SnsAttributeValue>(), body));
    }

    [Theory]
    [InlineData("1.0", true)]
    [InlineData("1", true)]
    [InlineData("1e0", true)]
    [InlineData("1.000001", true)] // beyond the five documented decimal digits
    [InlineData("1.0001", false)]
    [InlineData("one", false)]
    public void Number_attribute_compares_numerically(string value, bool expected)
    {
        var filter = FilterPolicy.Parse("""{"n": [1]}""", FilterPolicyScope.MessageAttributes);

        Assert.Equal(expected, filter.Matches(One("n", "Number", value), ""));
    }

    [Fact]
    public void String_attribute_does_not_equal_a_number_and_a_number_attribute_does_not_equal_a_string()
    {
        var numberPolicy = FilterPolicy.Parse("""{"n": [5]}""", FilterPolicyScope.MessageAttributes);
        var stringPolicy = FilterPolicy.Parse("""{"n": ["5"]}""", FilterPolicyScope.MessageAttributes);

        Assert.False(numberPolicy.Matches(One("n", "String", "5"), ""));
        Assert.False(stringPolicy.Matches(One("n", "Number", "5"), ""));
        Assert.True(stringPolicy.Matches(One("n", "String", "5"), ""));
    }

    [Fact]
    public void Custom_data_type_suffixes_keep_their_base_type()
    {
        var filter = FilterPolicy.Parse("""{"n": [{"numeric": [">", 10]}]}""", FilterPolicyScope.MessageAttributes);

        Assert.True(filter.Matches(One("n", "Number.float", "10.5"), ""));
    }

    [Fact]
    public void Binary_attributes_are_ignored_as_if_absent()
    {
        var exists = FilterPolicy.Parse("""{"blob": [{"exists": true}]}""", FilterPolicyScope.MessageAttributes);
        var absent = FilterPolicy.Parse("""{"blob": [{"exists": false}]}""", FilterPolicyScope.MessageAttributes);

        Assert.False(exists.Matches(One("blob", "Binary", "AAEC"), ""));
        Assert.True(absent.Matches(One("blob", "Binary", "AAEC"), ""));
    }

    [Fact]
    public void String_array_with_numbers_matches_numeric_conditions_per_element()
    {
        var filter = FilterPolicy.Parse("""{"sizes": [{"numeric": [">=", 40]}]}""", FilterPolicyScope.MessageAttributes);

        Assert.True(filter.Matches(One("sizes", "String.Array", "[10, 42]"), ""));
        Assert.False(filter.Matches(One("sizes", "String.Array", "[10, 20]"), ""));
        Assert.False(filter.Matches(One("sizes", "String.Array", "not an array"), ""));
    }

    [Fact]
    public void Anything_but_combined_with_exists_false_accepts_a_missing_key()
    {
        var filter = FilterPolicy.Parse("""{"event": [{"anything-but": "cancelled"}, {"exists": false}]}""", FilterPolicyScope.MessageAttributes);

        Assert.True(filter.Matches(new Dictionary<string, SnsAttributeValue>(), ""));
        Assert.True(filter.Matches(One("event", "String", "placed"), ""));
        Assert.False(filter.Matches(One("event", "String", "cancelled"), ""));
    }

    [Fact]
    public void Empty_policy_accepts_every_message()
    {
        var filter = FilterPolicy.Parse("{}", FilterPolicyScope.MessageAttributes);

        Assert.True(filter.Matches(new Dictionary<string, SnsAttributeValue>(), ""));
    }

    [Fact]
    public void Or_with_a_single_branch_or_operator_keys_is_an_ordinary_key_name()
    {
        // AWS: "$or" needs an array of at least two objects without operator keys; otherwise it is a key.
        var single = FilterPolicy.Parse("""{"$or": ["x"]}""", FilterPolicyScope.MessageAttributes);
        Assert.True(single.Matches(One("$or", "String", "x"), ""));

        var ex = Assert.Throws<FilterPolicyException>(() =>
            FilterPolicy.Parse("""{"$or": [{"numeric": 123}, {"prefix": "abc"}]}""", FilterPolicyScope.MessageAttributes));
        Assert.StartsWith("Invalid parameter: FilterPolicy: ", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Policy, scope, AWS's error text.</summary>
    public static TheoryData<string, FilterPolicyScope, string> InvalidPolicies => new()
    {
        { """{"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys" },
        { """{"a": {"b": ["1"]}}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy" },
        { """{"a": []}""", FilterPolicyScope.MessageAttributes, "Invalid parameter: FilterPolicy: Empty arrays are not allowed" },
        { """{"a": "x"}""", FilterPolicyScope.MessageAttributes, "Invalid parameter: FilterPolicy: \"a\" must be an object or an array" },
        { """{"a": [{"prefix": "x", "suffix": "y"}]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: Only one key allowed in match expression" },
        { """{"a": [{"prefix": 1}]}""", FilterPolicyScope.MessageAttributes, "Invalid parameter: FilterPolicy: prefix match pattern must be a string" },
        { """{"a": [{"suffix": 1}]}""", FilterPolicyScope.MessageAttributes, "Invalid parameter: FilterPolicy: suffix match pattern must be a string" },
        { """{"a": [{"equals-ignore-case": 1}]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: equals-ignore-case match pattern must be a string" },
        { """{"a": [{"exists": "yes"}]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: exists match pattern must be either true or false." },
        { """{"a": [{"regex": "x"}]}""", FilterPolicyScope.MessageAttributes, "Invalid parameter: FilterPolicy: Unrecognized match type regex" },
        { """{"a": [["x"]]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: Match value must be String, number, true, false, or null" },
        { """{"a": [{"anything-but": {"equals-ignore-case": "x"}}]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: Unsupported anything-but pattern: equals-ignore-case" },
        { """{"a": [{"numeric": ["!", 1]}]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: Unrecognized numeric range operator: !" },
        { """{"a": [{"numeric": ["=", "1"]}]}""", FilterPolicyScope.MessageAttributes, "Invalid parameter: FilterPolicy: Value of equals must be numeric" },
        { """{"a": [{"numeric": ["<", 1, ">", 0]}]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: Too many elements in numeric expression" },
        { """{"a": [{"numeric": [">", 1, ">", 5]}]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: Bad numeric range operator: >" },
        { """{"a": [{"numeric": [">", 5, "<", 1]}]}""", FilterPolicyScope.MessageAttributes, "Invalid parameter: FilterPolicy: Bottom must be less than top" },
        { """{"a": [{"numeric": [">", 0, "<", 5, "<", 9]}]}""", FilterPolicyScope.MessageAttributes,
            "Invalid parameter: FilterPolicy: Too many terms in numeric range expression" },
        { """{"a": [{"cidr": "10.0.0.0"}]}""", FilterPolicyScope.MessageAttributes, "Invalid parameter: FilterPolicy: Malformed CIDR, one '/' required" },
    };

    [Theory]
    [MemberData(nameof(InvalidPolicies))]
    public void Invalid_policy_is_refused_with_the_AWS_reason(string policy, FilterPolicyScope scope, string message)
    {
        var ex = Assert.Throws<FilterPolicyException>(() => FilterPolicy.Parse(policy, scope));

        Assert.Equal(message, ex.Message);
        Assert.Equal(message["Invalid parameter: ".Length..], ex.Reason);
    }

    [Fact]
    public void Complexity_is_the_product_of_values_and_nesting_depth_as_documented()
    {
        // The constraints page's examples: 3 x 1 x 2 = 6, and the nested one 3 x 4 x 2 x 3 = 72.
        FilterPolicy.Parse("""{"key_a": ["1", "2", "3"], "key_b": ["1"], "key_c": ["1", "2"]}""", FilterPolicyScope.MessageAttributes);
        FilterPolicy.Parse("""{"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}}, "key_d": {"key_e": ["1", "2", "3"]}}""", FilterPolicyScope.MessageBody);

        // 151 combinations: 151 values on one key.
        var values = string.Join(", ", Enumerable.Range(0, 151).Select(i => $"\"v{i}\""));
        var ex = Assert.Throws<FilterPolicyException>(() => FilterPolicy.Parse($$"""{"a": [{{values}}]}""", FilterPolicyScope.MessageAttributes));
        Assert.Equal("Invalid parameter: FilterPolicy: Filter policy is too complex", ex.Message);

        // 150 is allowed; 6 x 5 x 6 = 180 is not.
        FilterPolicy.Parse($$"""{"a": [{{string.Join(", ", Enumerable.Range(0, 150))}}]}""", FilterPolicyScope.MessageAttributes);
        Assert.Throws<FilterPolicyException>(() => FilterPolicy.Parse(
            """{"a": [1,2,3,4,5,6], "b": [1,2,3,4,5], "c": [1,2,3,4,5,6]}""", FilterPolicyScope.MessageAttributes));
    }

    [Fact]
    public void Nested_keys_count_as_their_parent_key()
    {
        FilterPolicy.Parse("""{"a": {"b": ["1"], "c": ["1"], "d": ["1"], "e": ["1"], "f": ["1"], "g": ["1"]}}""", FilterPolicyScope.MessageBody);
    }

    [Fact]
    public void Or_branches_are_counted_for_keys_and_complexity_one_branch_at_a_time()
    {
        // Four shared keys plus one per branch: five keys per branch, allowed.
        FilterPolicy.Parse("""{"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "$or": [{"e": ["1"]}, {"f": ["1"]}]}""", FilterPolicyScope.MessageAttributes);

        var ex = Assert.Throws<FilterPolicyException>(() => FilterPolicy.Parse(
            """{"a": ["1"], "b": ["1"], "c": ["1"], "d": ["1"], "$or": [{"e": ["1"]}, {"f": ["1"], "g": ["1"]}]}""", FilterPolicyScope.MessageAttributes));
        Assert.Equal("Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys", ex.Message);
    }

    [Theory]
    [InlineData("{\"a\": [")]
    [InlineData("[\"a\"]")]
    [InlineData("")]
    public void Malformed_or_non_object_json_is_refused(string policy)
    {
        var ex = Assert.Throws<FilterPolicyException>(() => FilterPolicy.Parse(policy, FilterPolicyScope.MessageAttributes));

        Assert.StartsWith("Invalid parameter: FilterPolicy: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_over_256_KB_is_refused()
    {
        var policy = $$"""{"a": ["{{new string('x', 256 * 1024)}}"]}""";

        Assert.Throws<FilterPolicyException>(() => FilterPolicy.Parse(policy, FilterPolicyScope.MessageAttributes));
    }

    private static Dictionary<string, SnsAttributeValue> One(string name, string type, string value) =>
        new() { [name] = new SnsAttributeValue(type, value) };

    /// <summary>Reads attributes written as the docs write them: {"name": {"Type": ..., "Value": ...}}.</summary>
    private static Dictionary<string, SnsAttributeValue> Attributes(string json)
    {
        using var document = JsonDocument.Parse(json);
        var attributes = new Dictionary<string, SnsAttributeValue>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value.GetProperty("Value");
            attributes[property.Name] = new SnsAttributeValue(
                property.Value.GetProperty("Type").GetString()!,
                value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText());
        }

        return attributes;
    }
}
