using System.Buffers.Binary;
using System.Text;

namespace ActorSpool.Protocols.Ipp;

/// <summary>
/// Decodes IPP messages (RFC 8010). Every malformation in the input surfaces as <see cref="IppParseException"/>;
/// other exceptions indicate misuse (null or cancelled arguments) or I/O failure of the underlying stream.
/// </summary>
public static class IppParser
{
    public const int DefaultMaxAttributeBytes = 1 << 20;

    /// <summary>Collections may nest at most this deep; deeper input is rejected to bound work and recursion.</summary>
    public const int MaxCollectionDepth = 16;

    private const int InitialBufferSize = 4096;

    /// <summary>
    /// Reads the header and all attribute groups through the end-of-attributes tag. The returned
    /// <see cref="IppReadResult.Document"/> yields any bytes read ahead past that tag and then the rest of
    /// <paramref name="input"/>; it does not dispose <paramref name="input"/>. <paramref name="maxAttributeBytes"/>
    /// bounds the header plus attribute section (ClientErrorRequestEntityTooLarge beyond it).
    /// </summary>
    public static Task<IppReadResult> ReadAsync(
        Stream input, CancellationToken ct = default, int maxAttributeBytes = DefaultMaxAttributeBytes) =>
        ReadAsync(input, IppParseLimits.Default with { MaxAttributeBytes = maxAttributeBytes }, ct);

    /// <summary>
    /// As <see cref="ReadAsync(Stream, CancellationToken, int)"/>, refusing a message beyond <paramref name="limits"/>
    /// (ClientErrorRequestEntityTooLarge) before any of its attributes is decoded.
    /// </summary>
    public static async Task<IppReadResult> ReadAsync(Stream input, IppParseLimits limits, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(limits);
        int maxAttributeBytes = limits.MaxAttributeBytes;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttributeBytes, IppSectionScanner.HeaderLength);

        var scanner = new IppSectionScanner(limits);
        var buffer = new byte[Math.Min(InitialBufferSize, maxAttributeBytes)];
        int count = 0;
        while (!scanner.TryFindEnd(buffer.AsSpan(0, count), out int required))
        {
            // The scanner never asks for more than the limit, so the buffer stays bounded by it.
            if (required > buffer.Length)
                Array.Resize(ref buffer, Math.Max(required, (int)Math.Min(buffer.Length * 2L, maxAttributeBytes)));
            int read = await input.ReadAsync(buffer.AsMemory(count), ct).ConfigureAwait(false);
            if (read == 0)
                throw scanner.Truncated(count);
            count += read;
        }

        int sectionLength = scanner.SectionLength;
        var message = ParseSection(buffer.AsSpan(0, sectionLength));
        var readAhead = buffer.AsMemory(sectionLength, count - sectionLength);
        return new IppReadResult(message, new IppDocumentStream(readAhead, input));
    }

    /// <summary>
    /// Parses a complete message held in memory. <paramref name="documentOffset"/> receives the offset just past
    /// the end-of-attributes tag, where document data (if any) begins.
    /// </summary>
    public static IppMessage Parse(ReadOnlySpan<byte> data, out int documentOffset) =>
        Parse(data, out documentOffset, DefaultMaxAttributeBytes);

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte}, out int)"/>
    public static IppMessage Parse(ReadOnlySpan<byte> data, out int documentOffset, int maxAttributeBytes) =>
        Parse(data, out documentOffset, IppParseLimits.Default with { MaxAttributeBytes = maxAttributeBytes });

    /// <inheritdoc cref="Parse(ReadOnlySpan{byte}, out int)"/>
    public static IppMessage Parse(ReadOnlySpan<byte> data, out int documentOffset, IppParseLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.MaxAttributeBytes, IppSectionScanner.HeaderLength);

        var scanner = new IppSectionScanner(limits);
        if (!scanner.TryFindEnd(data, out _))
            throw scanner.Truncated(data.Length);
        documentOffset = scanner.SectionLength;
        return ParseSection(data[..documentOffset]);
    }

    // The scanner has already validated framing, so every length field here is known to fit within `section`.
    private static IppMessage ParseSection(ReadOnlySpan<byte> section)
    {
        var message = new IppMessage
        {
            VersionMajor = section[0],
            VersionMinor = section[1],
            Code = BinaryPrimitives.ReadInt16BigEndian(section[2..]),
            RequestId = BinaryPrimitives.ReadInt32BigEndian(section[4..]),
        };

        var builder = new MessageBuilder(message);
        int position = IppSectionScanner.HeaderLength;
        while (true)
        {
            int offset = position;
            byte tag = section[position++];
            if (tag == (byte)IppTag.EndOfAttributes)
            {
                builder.Complete(offset);
                return message;
            }
            if (((IppTag)tag).IsDelimiter())
            {
                builder.BeginGroup(tag, offset);
                continue;
            }

            int nameLength = BinaryPrimitives.ReadUInt16BigEndian(section[position..]);
            var name = section.Slice(position + 2, nameLength);
            position += 2 + nameLength;
            int valueLength = BinaryPrimitives.ReadUInt16BigEndian(section[position..]);
            var value = section.Slice(position + 2, valueLength);
            position += 2 + valueLength;
            builder.AddValue((IppTag)tag, name, value, offset);
        }
    }

    /// <summary>Turns the flat tag stream into groups, attributes and (nested) collections.</summary>
    private sealed class MessageBuilder(IppMessage message)
    {
        private readonly Stack<CollectionFrame> _collections = new();
        private IppAttributeGroup? _group;
        private string? _attributeName;
        private List<IppValue>? _attributeValues;

        public void BeginGroup(byte tag, int offset)
        {
            if (_collections.Count > 0)
                throw Error(offset, $"delimiter tag 0x{tag:X2} inside a collection (missing endCollection)");
            if (tag == 0)
                throw Error(offset, "reserved delimiter tag 0x00");
            FlushAttribute();
            _group = message.AddGroup((IppTag)tag);
        }

        public void Complete(int offset)
        {
            if (_collections.Count > 0)
                throw Error(offset, "end-of-attributes-tag inside a collection (missing endCollection)");
            FlushAttribute();
        }

        public void AddValue(IppTag tag, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int offset)
        {
            if (_group is null)
                throw Error(offset, $"value tag 0x{(byte)tag:X2} before any attribute group tag");

            if (_collections.Count > 0)
            {
                AddCollectionItem(_collections.Peek(), tag, name, value, offset);
                return;
            }

            if (tag == IppTag.MemberAttrName)
                throw Error(offset, "memberAttrName outside a collection");
            if (tag == IppTag.EndCollection)
                throw Error(offset, "endCollection without a matching begCollection");

            if (name.Length > 0)
            {
                FlushAttribute();
                _attributeName = DecodeString(name);
                _attributeValues = [];
            }
            else if (_attributeValues is null)
            {
                throw Error(offset, "additional value (name-length 0) with no preceding attribute");
            }

            AddDecodedValue(_attributeValues!, tag, value, offset);
        }

        private void AddCollectionItem(
            CollectionFrame frame, IppTag tag, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, int offset)
        {
            // RFC 8010 §3.1.6: inside a collection names travel as memberAttrName values, never in the name field.
            if (name.Length > 0)
                throw Error(offset, "non-empty attribute name inside a collection");

            switch (tag)
            {
                case IppTag.MemberAttrName:
                    if (value.Length == 0)
                        throw Error(offset, "empty memberAttrName");
                    frame.FlushMember(offset);
                    frame.MemberName = DecodeString(value);
                    frame.MemberValues = [];
                    break;
                case IppTag.EndCollection:
                    if (value.Length > 0)
                        throw Error(offset, "endCollection with a non-empty value");
                    frame.FlushMember(offset);
                    _collections.Pop();
                    break;
                default:
                    if (frame.MemberValues is null)
                        throw Error(offset, "collection value with no preceding memberAttrName");
                    AddDecodedValue(frame.MemberValues, tag, value, offset);
                    break;
            }
        }

        private void AddDecodedValue(List<IppValue> values, IppTag tag, ReadOnlySpan<byte> value, int offset)
        {
            var decoded = DecodeValue(tag, value, offset);
            values.Add(decoded);
            if (decoded.Value is IppCollection collection)
            {
                if (_collections.Count >= MaxCollectionDepth)
                    throw Error(offset, $"collections nested deeper than {MaxCollectionDepth}");
                _collections.Push(new CollectionFrame(collection));
            }
        }

        private void FlushAttribute()
        {
            if (_attributeName is not null)
                _group!.Attributes.Add(new IppAttribute(_attributeName, _attributeValues!));
            _attributeName = null;
            _attributeValues = null;
        }
    }

    private sealed class CollectionFrame(IppCollection collection)
    {
        public string? MemberName { get; set; }

        public List<IppValue>? MemberValues { get; set; }

        public void FlushMember(int offset)
        {
            if (MemberName is null)
                return;
            if (MemberValues!.Count == 0)
                throw Error(offset, $"collection member '{MemberName}' has no value");
            collection.Members.Add(new IppAttribute(MemberName, MemberValues));
            MemberName = null;
            MemberValues = null;
        }
    }

    private static IppValue DecodeValue(IppTag tag, ReadOnlySpan<byte> value, int offset)
    {
        // RFC 8010 requires out-of-band values to be empty; like CUPS, tolerate (and drop) bytes some printers send.
        if (tag.IsOutOfBand())
            return new IppValue(tag, null);
        if (tag.IsString())
            return new IppValue(tag, DecodeString(value));

        switch (tag)
        {
            case IppTag.Integer or IppTag.Enum:
                ExpectLength(tag, value, 4, offset);
                return new IppValue(tag, BinaryPrimitives.ReadInt32BigEndian(value));
            case IppTag.Boolean:
                ExpectLength(tag, value, 1, offset);
                return new IppValue(tag, value[0] != 0);
            case IppTag.DateTime:
                ExpectLength(tag, value, 11, offset);
                return new IppValue(tag, DecodeDateTime(value, offset));
            case IppTag.Resolution:
                ExpectLength(tag, value, 9, offset);
                return new IppValue(tag, new IppResolution(
                    BinaryPrimitives.ReadInt32BigEndian(value), BinaryPrimitives.ReadInt32BigEndian(value[4..]), value[8]));
            case IppTag.RangeOfInteger:
                ExpectLength(tag, value, 8, offset);
                return new IppValue(tag, new IppRange(
                    BinaryPrimitives.ReadInt32BigEndian(value), BinaryPrimitives.ReadInt32BigEndian(value[4..])));
            case IppTag.BegCollection:
                ExpectLength(tag, value, 0, offset);
                return new IppValue(tag, new IppCollection());
            case IppTag.TextWithLanguage or IppTag.NameWithLanguage:
                return new IppValue(tag, DecodeStringWithLanguage(tag, value, offset));
            default:
                // octetString and tags we do not interpret keep their raw bytes, so they round-trip unchanged.
                return new IppValue(tag, value.ToArray());
        }
    }

    private static void ExpectLength(IppTag tag, ReadOnlySpan<byte> value, int expected, int offset)
    {
        if (value.Length != expected)
            throw Error(offset, $"{tag} value is {value.Length} bytes, expected {expected}");
    }

    // Layout: language-length (2), language, text-length (2), text; the two parts must fill the value exactly.
    private static IppStringWithLanguage DecodeStringWithLanguage(IppTag tag, ReadOnlySpan<byte> value, int offset)
    {
        if (value.Length >= 2)
        {
            int languageLength = BinaryPrimitives.ReadUInt16BigEndian(value);
            var rest = value[2..];
            if (rest.Length >= languageLength + 2)
            {
                int textLength = BinaryPrimitives.ReadUInt16BigEndian(rest[languageLength..]);
                if (rest.Length == languageLength + 2 + textLength)
                    return new IppStringWithLanguage(
                        DecodeString(rest[..languageLength]), DecodeString(rest.Slice(languageLength + 2, textLength)));
            }
        }
        throw Error(offset, $"{tag} value of {value.Length} bytes has inconsistent language/text lengths");
    }

    // RFC 2579 DateAndTime: year (2), month, day, hour, minutes, seconds, deci-seconds, '+'/'-', UTC hours, UTC minutes.
    private static DateTimeOffset DecodeDateTime(ReadOnlySpan<byte> v, int offset)
    {
        int year = BinaryPrimitives.ReadUInt16BigEndian(v);
        byte month = v[2], day = v[3], hour = v[4], minute = v[5], second = v[6], deciSecond = v[7];
        byte direction = v[8], offsetHours = v[9], offsetMinutes = v[10];
        bool valid = year is >= 1 and <= 9999 && month is >= 1 and <= 12
            && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            && hour <= 23 && minute <= 59 && second <= 60 && deciSecond <= 9
            && direction is (byte)'+' or (byte)'-' && offsetMinutes <= 59 && offsetHours * 60 + offsetMinutes <= 14 * 60;
        if (!valid)
            throw Error(offset, $"DateTime value {Convert.ToHexString(v)} is not a valid RFC 2579 date and time");

        // RFC 2579 allows second 60 (leap second), which DateTime cannot represent; clamp it.
        var local = new DateTime(year, month, day, hour, minute, Math.Min((int)second, 59), deciSecond * 100);
        var utcOffset = new TimeSpan(offsetHours, offsetMinutes, 0);
        if (direction == (byte)'-')
            utcOffset = -utcOffset;
        // DateTimeOffset also requires the UTC instant itself to be representable (fails at the calendar edges).
        long utcTicks = local.Ticks - utcOffset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
            throw Error(offset, $"DateTime value {Convert.ToHexString(v)} is outside the representable range");
        return new DateTimeOffset(local, utcOffset);
    }

    // IPP strings are UTF-8; invalid sequences become U+FFFD rather than failing the request.
    private static string DecodeString(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    private static IppParseException Error(int offset, string problem) =>
        IppErrors.BadRequest($"Malformed IPP message at offset {offset}: {problem}.");
}
