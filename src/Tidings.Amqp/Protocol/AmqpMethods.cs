using System.Globalization;

namespace Tidings.Amqp.Protocol;

public static partial class AmqpMethods
{
    /// <summary>The id for a class id and method id as they appear at the start of a method frame.</summary>
    public static AmqpMethodId GetId(ushort classId, ushort methodId) => (AmqpMethodId)(((uint)classId << 16) | methodId);

    /// <summary>The class id part of <paramref name="id"/>.</summary>
    public static ushort GetClassId(AmqpMethodId id) => (ushort)((uint)id >> 16);

    /// <summary>The method id part of <paramref name="id"/>.</summary>
    public static ushort GetMethodId(AmqpMethodId id) => (ushort)id;

    /// <summary>The methods that may answer <paramref name="id"/>; empty for asynchronous or unknown methods.</summary>
    public static IReadOnlyList<AmqpMethodId> GetResponses(AmqpMethodId id) =>
        TryGetInfo(id, out var info) ? info.Responses : [];

    /// <summary>The dotted name, or "class C method M" for an id that is not a known method (for error texts).</summary>
    public static string Describe(AmqpMethodId id) =>
        GetName(id) ?? string.Create(CultureInfo.InvariantCulture, $"class {GetClassId(id)} method {GetMethodId(id)}");

    private static AmqpProtocolException UnknownMethod(AmqpMethodId id) =>
        new(AmqpReplyCodes.CommandInvalid, $"unknown method {Describe(id)}");
}
