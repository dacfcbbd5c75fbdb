using System.Buffers;
using System.Reflection;
using Tidings.Amqp.Protocol;
using static Tidings.Amqp.Tests.Protocol.ProtocolTestBuffers;

namespace Tidings.Amqp.Tests.Protocol;

/// <summary>Every generated method, driven by reflection over <see cref="AmqpMethods.All"/>.</summary>
public sealed class MethodRoundTripTests
{
    public static TheoryData<AmqpMethodId> AllMethods() => new(AmqpMethods.All.Select(m => m.Id));

    public static TheoryData<AmqpMethodId> MethodsWithArguments() =>
        new(AmqpMethods.All.Where(m => ArgumentProperties(m.ClrType).Length > 0).Select(m => m.Id));

    [Theory]
    [MemberData(nameof(AllMethods))]
    public void Every_method_round_trips_with_non_default_values(AmqpMethodId id)
    {
        var original = WithNonDefaultValues(Info(id).ClrType);
        AssertRoundTrips(original);
    }

    [Theory]
    [MemberData(nameof(AllMethods))]
    public void Every_method_round_trips_with_spec_defaults(AmqpMethodId id)
    {
        var original = (IAmqpMethod)Activator.CreateInstance(Info(id).ClrType)!;
        AssertRoundTrips(original);
    }

    [Theory]
    [MemberData(nameof(AllMethods))]
    public void Each_bit_round_trips_on_its_own(AmqpMethodId id)
    {
        var type = Info(id).ClrType;
        var bits = ArgumentProperties(type).Where(p => p.PropertyType == typeof(bool)).ToList();
        foreach (var bit in bits)
        {
            object boxed = Activator.CreateInstance(type)!;
            foreach (var other in bits)
            {
                other.SetValue(boxed, other == bit);
            }

            var read = AssertRoundTrips((IAmqpMethod)boxed);
            Assert.All(bits, b => Assert.Equal(b == bit, (bool)b.GetValue(read)!));
        }
    }

    [Theory]
    [MemberData(nameof(MethodsWithArguments))]
    public void Truncated_method_arguments_throw_syntax_error_502(AmqpMethodId id)
    {
        var encoded = Written(WithNonDefaultValues(Info(id).ClrType).Write);
        var arguments = encoded.AsSpan(4).ToArray();
        for (int length = 0; length < arguments.Length; length++)
        {
            var prefix = new ReadOnlySequence<byte>(arguments, 0, length);
            var exception = Assert.Throws<AmqpSyntaxException>(() => AmqpMethods.ReadBoxed(id, prefix));
            Assert.Equal(AmqpReplyCodes.SyntaxError, exception.ReplyCode);
        }
    }

    [Theory]
    [MemberData(nameof(AllMethods))]
    public void Trailing_bytes_after_the_arguments_throw_syntax_error_502(AmqpMethodId id)
    {
        var encoded = Written(WithNonDefaultValues(Info(id).ClrType).Write);
        var withExtra = encoded.AsSpan(4).ToArray().Append((byte)0).ToArray();
        var exception = Assert.Throws<AmqpSyntaxException>(() => AmqpMethods.ReadBoxed(id, new ReadOnlySequence<byte>(withExtra)));
        Assert.Contains(AmqpMethods.GetName(id)!, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Generic_read_and_write_work_through_the_static_interface()
    {
        var declare = new QueueDeclare { Queue = "orders", Durable = true, Arguments = new() { ["x-max-length"] = 10 } };
        var copy = RoundTrip(declare);
        Assert.Equal("orders", copy.Queue);
        Assert.True(copy.Durable);
        Assert.Equal(10, copy.Arguments!["x-max-length"]);
    }

    [Fact]
    public void Empty_tables_read_as_null_and_null_tables_write_as_empty()
    {
        var declare = new QueueDeclare { Queue = "q", Arguments = [] };
        Assert.Equal(Written(new QueueDeclare { Queue = "q" }.Write), Written(declare.Write));
        Assert.Null(RoundTrip(declare).Arguments);
    }

    [Fact]
    public void Short_string_arguments_longer_than_255_bytes_are_refused_when_writing()
    {
        var declare = new QueueDeclare { Queue = new string('q', 256) };
        Assert.Throws<ArgumentException>(() => declare.GetSize());
        Assert.Equal(255 + 1 + 7 + 4, new QueueDeclare { Queue = new string('q', 255) }.GetSize());
    }

    private static T RoundTrip<T>(T method)
        where T : struct, IAmqpMethod<T>
    {
        var encoded = Written(method.Write);
        return T.Read(new ReadOnlySequence<byte>(encoded, 4, encoded.Length - 4));
    }

    private static IAmqpMethod AssertRoundTrips(IAmqpMethod original)
    {
        var encoded = Written(original.Write);
        Assert.Equal(original.GetSize(), encoded.Length);
        Assert.Equal((uint)original.Id, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(encoded));

        IAmqpMethod? first = null;
        foreach (var layout in Layouts(encoded))
        {
            var read = AmqpMethods.ReadBoxed(original.Id, layout.Slice(4));
            Assert.Equal(original.GetType(), read.GetType());
            foreach (var property in ArgumentProperties(original.GetType()))
            {
                AssertSameValue(property, property.GetValue(original), property.GetValue(read));
            }

            Assert.Equal(ToHex(encoded), ToHex(Written(read.Write)));
            first ??= read;
        }

        return first!;
    }

    private static void AssertSameValue(PropertyInfo property, object? expected, object? actual)
    {
        switch (expected)
        {
            case ReadOnlyMemory<byte> bytes:
                Assert.Equal(bytes.ToArray(), ((ReadOnlyMemory<byte>)actual!).ToArray());
                break;
            case Dictionary<string, object?> table when table.Count == 0:
                Assert.Null(actual);
                break;
            case Dictionary<string, object?> table:
                var copy = Assert.IsType<Dictionary<string, object?>>(actual);
                Assert.Equal(table.Keys, copy.Keys);
                Assert.Equal(ToHex(Written(w => FieldTableCodec.WriteTable(w, table))), ToHex(Written(w => FieldTableCodec.WriteTable(w, copy))));
                break;
            default:
                Assert.True(Equals(expected, actual), $"{property.DeclaringType!.Name}.{property.Name}: expected {Describe(expected)}, read {Describe(actual)}");
                break;
        }
    }

    // Every argument gets a value different from its spec default and from every other argument.
    private static IAmqpMethod WithNonDefaultValues(Type type)
    {
        object defaults = Activator.CreateInstance(type)!;
        object boxed = Activator.CreateInstance(type)!;
        int n = 1;
        foreach (var property in ArgumentProperties(type))
        {
            object value = property.PropertyType switch
            {
                var t when t == typeof(byte) => (byte)(0xA0 + n),
                var t when t == typeof(ushort) => (ushort)(0xB000 + n),
                var t when t == typeof(uint) => 0xC0000000u + (uint)n,
                var t when t == typeof(ulong) => 0xD000000000000000UL + (ulong)n,
                var t when t == typeof(bool) => !(bool)property.GetValue(defaults)!,
                var t when t == typeof(string) => $"{property.Name}-värde-{n}",
                var t when t == typeof(ReadOnlyMemory<byte>) => new ReadOnlyMemory<byte>([0x00, 0xFF, (byte)n, 0xC3, 0x28]),
                var t when t == typeof(Dictionary<string, object?>) => new Dictionary<string, object?>
                {
                    ["x-int"] = n,
                    ["x-text"] = "zwölf",
                    ["x-flag"] = true,
                    ["x-nested"] = new Dictionary<string, object?> { ["list"] = new List<object?> { 1L, "two", null } },
                },
                var t => throw new InvalidOperationException($"no test value for {t}"),
            };
            property.SetValue(boxed, value);
            n++;
        }

        return (IAmqpMethod)boxed;
    }

    private static PropertyInfo[] ArgumentProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.Name != "EqualityContract")
            .ToArray();

    private static AmqpMethodInfo Info(AmqpMethodId id) =>
        AmqpMethods.TryGetInfo(id, out var info) ? info : throw new ArgumentException($"unknown {id}");
}
