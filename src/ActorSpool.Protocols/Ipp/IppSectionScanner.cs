using System.Buffers.Binary;

namespace ActorSpool.Protocols.Ipp;

/// <summary>
/// Finds the end of the attribute section by walking only tags and length fields. It is resumable, so the
/// streaming reader can feed it growing buffers without re-parsing, and it is the single place that decides
/// "truncated" and "too large" for both the span and stream entry points.
/// </summary>
internal struct IppSectionScanner(IppParseLimits limits)
{
    public const int HeaderLength = 8;

    private readonly int _maxSectionBytes = limits.MaxAttributeBytes;

    // Offset of the next unscanned tag; only advanced past complete elements.
    private int _position = HeaderLength;

    // Counted here, before anything is decoded, so a request of 100,000 tiny attributes is refused without building them.
    private int _attributes;
    private int _values;

    /// <summary>Offset just past the end-of-attributes tag, once <see cref="TryFindEnd"/> has returned true.</summary>
    public int SectionLength { get; private set; }

    /// <summary>
    /// Scans as far as <paramref name="data"/> allows. Returns true once the end tag is found; otherwise
    /// <paramref name="required"/> is the buffer length needed to make further progress.
    /// Throws <see cref="IppParseException"/> when the section would exceed the size limit.
    /// </summary>
    public bool TryFindEnd(ReadOnlySpan<byte> data, out int required)
    {
        if (!Have(data, HeaderLength, out required))
            return false;

        while (true)
        {
            if (!Have(data, _position + 1L, out required))
                return false;

            byte tag = data[_position];
            if (((IppTag)tag).IsDelimiter())
            {
                _position++;
                if (tag == (byte)IppTag.EndOfAttributes)
                {
                    SectionLength = _position;
                    return true;
                }
                continue;
            }

            // value-tag, name-length (2), name, value-length (2), value
            // (Lengths are summed as long so a limit near int.MaxValue cannot overflow.)
            if (!Have(data, _position + 3L, out required))
                return false;
            long valueLengthAt = _position + 3L + BinaryPrimitives.ReadUInt16BigEndian(data[(_position + 1)..]);
            if (!Have(data, valueLengthAt + 2, out required))
                return false;
            long next = valueLengthAt + 2 + BinaryPrimitives.ReadUInt16BigEndian(data[(int)valueLengthAt..]);
            if (!Have(data, next, out required))
                return false;
            // A name starts an attribute; without one the element is another value of it (or a collection member).
            if (valueLengthAt > _position + 3 && ++_attributes > limits.MaxAttributes)
                throw new IppParseException(IppStatusCode.ClientErrorRequestEntityTooLarge,
                    $"The request has more than {limits.MaxAttributes} attributes.");
            if (++_values > limits.MaxValues)
                throw new IppParseException(IppStatusCode.ClientErrorRequestEntityTooLarge,
                    $"The request has more than {limits.MaxValues} attribute values (collection members included).");
            _position = required;
        }
    }

    /// <summary>The exception to throw when the input ends before the section is complete.</summary>
    public readonly IppParseException Truncated(int available)
    {
        if (available < HeaderLength)
            return IppErrors.BadRequest($"IPP header truncated: {available} of {HeaderLength} bytes.");
        if (available == _position)
            return IppErrors.BadRequest($"Missing end-of-attributes-tag: input ends at offset {available}.");
        return IppErrors.BadRequest(
            $"Attribute at offset {_position} truncated: input ends at offset {available}.");
    }

    // Checks the limit before availability so the span and stream paths agree on "too large" vs "truncated".
    private readonly bool Have(ReadOnlySpan<byte> data, long bytes, out int required)
    {
        if (bytes > _maxSectionBytes)
            throw new IppParseException(IppStatusCode.ClientErrorRequestEntityTooLarge,
                $"IPP attribute section exceeds the limit of {_maxSectionBytes} bytes.");
        required = (int)bytes;
        return data.Length >= required;
    }
}

/// <summary>
/// What the parser accepts before it refuses a message with client-error-request-entity-too-large (RFC 8011 Appendix B.1.4.9:
/// the request is larger than the printer is willing to process; it is well-formed, so not client-error-bad-request).
/// The counts are checked while scanning, before any attribute is decoded.
/// </summary>
/// <param name="MaxAttributeBytes">The header plus the attribute section, in bytes.</param>
/// <param name="MaxAttributes">Attributes (elements with a name).</param>
/// <param name="MaxValues">Every value element: attributes, their additional values and collection members.</param>
public sealed record IppParseLimits(int MaxAttributeBytes, int MaxAttributes, int MaxValues)
{
    /// <summary>Only the byte bound: for responses from printers, whose attribute lists (media-col-database) run long.</summary>
    public static IppParseLimits Default { get; } = new(IppParser.DefaultMaxAttributeBytes, int.MaxValue, int.MaxValue);

    /// <summary>For requests from clients: a print request has tens of attributes, so 1,000 leaves ample room.</summary>
    public static IppParseLimits Requests { get; } = new(IppParser.DefaultMaxAttributeBytes, 1000, 10_000);
}

internal static class IppErrors
{
    public static IppParseException BadRequest(string message) => new(IppStatusCode.ClientErrorBadRequest, message);
}
