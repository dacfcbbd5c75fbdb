using System.Buffers;

namespace Tidings.Amqp.Protocol;

/// <summary>
/// A generated AMQP method struct: knows its id and how to encode itself as a method frame payload
/// (class id, method id, then the arguments).
/// </summary>
public interface IAmqpMethod
{
    /// <summary>The (class, method) id.</summary>
    AmqpMethodId Id { get; }

    /// <summary>The exact encoded size: 4 bytes of ids plus the arguments.</summary>
    /// <exception cref="ArgumentException">A short string is longer than 255 UTF-8 bytes, or a table holds an unsupported value.</exception>
    int GetSize();

    /// <summary>Encodes ids and arguments into <paramref name="destination"/>, which must hold <see cref="GetSize"/> bytes; returns the bytes written.</summary>
    int WriteTo(Span<byte> destination);

    /// <summary>Encodes ids and arguments into <paramref name="writer"/> (one contiguous span of <see cref="GetSize"/> bytes).</summary>
    void Write(IBufferWriter<byte> writer);
}

/// <summary>A generated AMQP method struct that can also be read back; lets generic code and tests work over every method.</summary>
/// <typeparam name="TSelf">The struct itself.</typeparam>
public interface IAmqpMethod<TSelf> : IAmqpMethod
    where TSelf : struct, IAmqpMethod<TSelf>
{
    /// <summary>Reads the arguments (after the class and method ids), leaving the reader after the last one.</summary>
    /// <exception cref="AmqpSyntaxException">The arguments are truncated or malformed (502).</exception>
    static abstract TSelf Read(ref SequenceReader<byte> reader);

    /// <summary>Reads the arguments, which must fill <paramref name="arguments"/> exactly.</summary>
    /// <exception cref="AmqpSyntaxException">The arguments are truncated, malformed or followed by extra bytes (502).</exception>
    static abstract TSelf Read(ReadOnlySequence<byte> arguments);
}
