using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace ActorSpool.Protocols.Ipp;

/// <summary>
/// Encodes IPP messages (RFC 8010). A message whose values do not match their tags, or whose names or values
/// exceed the 16-bit length fields, is rejected with <see cref="ArgumentException"/> rather than written corrupt.
/// </summary>
public static class IppWriter
{
    public static byte[] Write(IppMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var output = new ArrayBufferWriter<byte>(1024);
        new Encoder(output).WriteMessage(message);
        return output.WrittenSpan.ToArray();
    }

    public static async Task WriteAsync(IppMessage message, Stream output, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        // Attribute sections are small (bounded by what the peer accepts), so encode in memory and write once.
        await output.WriteAsync(Write(message), ct).ConfigureAwait(false);
    }

    private readonly struct Encoder(IBufferWriter<byte> output)
    {
        private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        public void WriteMessage(IppMessage message)
        {
            Span<byte> header = output.GetSpan(IppSectionScanner.HeaderLength);
            header[0] = message.VersionMajor;
            header[1] = message.VersionMinor;
            BinaryPrimitives.WriteInt16BigEndian(header[2..], message.Code);
            BinaryPrimitives.WriteInt32BigEndian(header[4..], message.RequestId);
            output.Advance(IppSectionScanner.HeaderLength);

            foreach (var group in message.Groups)
            {
                WriteByte((byte)group.Tag);
                foreach (var attribute in group.Attributes)
                    WriteAttribute(attribute.Name, attribute, depth: 0);
            }
            WriteByte((byte)IppTag.EndOfAttributes);
        }

        // The first value carries the name; further values are "additional values" with name-length 0.
        // Inside a collection the name instead travels as a memberAttrName value and every field name is empty.
        private void WriteAttribute(string name, IppAttribute attribute, int depth)
        {
            bool isMember = depth > 0;
            if (isMember)
                WriteField(IppTag.MemberAttrName, string.Empty, Utf8Bytes(name, attribute.Name));

            for (int i = 0; i < attribute.Values.Count; i++)
            {
                var value = attribute.Values[i];
                string fieldName = i == 0 && !isMember ? name : string.Empty;
                if (value.Tag == IppTag.BegCollection)
                    WriteCollection(fieldName, attribute, value, depth);
                else
                    WriteField(value.Tag, fieldName, EncodeValue(attribute.Name, value));
            }
        }

        private void WriteCollection(string fieldName, IppAttribute attribute, IppValue value, int depth)
        {
            if (value.Value is not IppCollection collection)
                throw Mismatch(attribute.Name, value, nameof(IppCollection));
            // Same bound the parser enforces; also stops a collection that (indirectly) contains itself.
            if (depth >= IppParser.MaxCollectionDepth)
                throw new ArgumentException(
                    $"IPP attribute '{attribute.Name}' nests collections deeper than {IppParser.MaxCollectionDepth}.");

            WriteField(IppTag.BegCollection, fieldName, []);
            foreach (var member in collection.Members)
                WriteAttribute(member.Name, member, depth + 1);
            WriteField(IppTag.EndCollection, string.Empty, []);
        }

        private void WriteField(IppTag tag, string name, ReadOnlySpan<byte> value)
        {
            byte[] nameBytes = Utf8Bytes(name, name);
            int length = 1 + 2 + nameBytes.Length + 2 + value.Length;
            Span<byte> span = output.GetSpan(length);
            span[0] = (byte)tag;
            BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)nameBytes.Length);
            nameBytes.CopyTo(span[3..]);
            int at = 3 + nameBytes.Length;
            BinaryPrimitives.WriteUInt16BigEndian(span[at..], CheckLength(name, value.Length));
            value.CopyTo(span[(at + 2)..]);
            output.Advance(length);
        }

        private void WriteByte(byte value)
        {
            output.GetSpan(1)[0] = value;
            output.Advance(1);
        }

        private static byte[] EncodeValue(string name, IppValue value)
        {
            var tag = value.Tag;
            if (tag.IsDelimiter() || tag is IppTag.EndCollection or IppTag.MemberAttrName)
                throw new ArgumentException(
                    $"IPP attribute '{name}' uses structural tag 0x{(byte)tag:X2} as a value; the writer emits it itself.");
            if (tag.IsOutOfBand())
                return value.Value is null ? [] : throw Mismatch(name, value, "no value (null)");
            if (tag.IsString())
                return value.Value is string s ? Utf8Bytes(name, s) : throw Mismatch(name, value, nameof(String));

            switch (tag)
            {
                case IppTag.Integer or IppTag.Enum:
                {
                    if (value.Value is not int i)
                        throw Mismatch(name, value, nameof(Int32));
                    var bytes = new byte[4];
                    BinaryPrimitives.WriteInt32BigEndian(bytes, i);
                    return bytes;
                }
                case IppTag.Boolean:
                    return value.Value is bool b ? [b ? (byte)1 : (byte)0] : throw Mismatch(name, value, nameof(Boolean));
                case IppTag.DateTime:
                    return value.Value is DateTimeOffset d ? EncodeDateTime(d) : throw Mismatch(name, value, nameof(DateTimeOffset));
                case IppTag.Resolution:
                {
                    if (value.Value is not IppResolution r)
                        throw Mismatch(name, value, nameof(IppResolution));
                    var bytes = new byte[9];
                    BinaryPrimitives.WriteInt32BigEndian(bytes, r.CrossFeed);
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), r.Feed);
                    bytes[8] = r.Units;
                    return bytes;
                }
                case IppTag.RangeOfInteger:
                {
                    if (value.Value is not IppRange r)
                        throw Mismatch(name, value, nameof(IppRange));
                    var bytes = new byte[8];
                    BinaryPrimitives.WriteInt32BigEndian(bytes, r.Lower);
                    BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), r.Upper);
                    return bytes;
                }
                case IppTag.TextWithLanguage or IppTag.NameWithLanguage:
                {
                    if (value.Value is not IppStringWithLanguage l)
                        throw Mismatch(name, value, nameof(IppStringWithLanguage));
                    byte[] language = Utf8Bytes(name, l.Language), text = Utf8Bytes(name, l.Text);
                    var bytes = new byte[2 + language.Length + 2 + text.Length];
                    BinaryPrimitives.WriteUInt16BigEndian(bytes, CheckLength(name, language.Length));
                    language.CopyTo(bytes, 2);
                    BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2 + language.Length), CheckLength(name, text.Length));
                    text.CopyTo(bytes, 4 + language.Length);
                    return bytes;
                }
                default:
                    // octetString and any tag this codec does not interpret carry raw bytes.
                    return value.Value is byte[] raw ? raw : throw Mismatch(name, value, "byte[]");
            }
        }

        // RFC 2579 DateAndTime in the value's own offset; sub-second precision is deci-seconds.
        private static byte[] EncodeDateTime(DateTimeOffset d)
        {
            var bytes = new byte[11];
            BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)d.Year);
            bytes[2] = (byte)d.Month;
            bytes[3] = (byte)d.Day;
            bytes[4] = (byte)d.Hour;
            bytes[5] = (byte)d.Minute;
            bytes[6] = (byte)d.Second;
            bytes[7] = (byte)(d.Millisecond / 100);
            bytes[8] = d.Offset < TimeSpan.Zero ? (byte)'-' : (byte)'+';
            var offset = d.Offset.Duration();
            bytes[9] = (byte)offset.Hours;
            bytes[10] = (byte)offset.Minutes;
            return bytes;
        }

        private static byte[] Utf8Bytes(string name, string value)
        {
            try
            {
                byte[] bytes = Utf8.GetBytes(value);
                CheckLength(name, bytes.Length);
                return bytes;
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException($"IPP attribute '{name}' contains a string that is not valid UTF-16.", e);
            }
        }

        private static ushort CheckLength(string name, int length) => length <= ushort.MaxValue
            ? (ushort)length
            : throw new ArgumentException($"IPP attribute '{name}' has a name or value longer than {ushort.MaxValue} bytes.");

        private static ArgumentException Mismatch(string name, IppValue value, string expected) => new(
            $"IPP attribute '{name}' has a {value.Tag} value holding {value.Value?.GetType().Name ?? "null"}; expected {expected}.");
    }
}
