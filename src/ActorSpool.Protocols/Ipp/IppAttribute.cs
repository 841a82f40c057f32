namespace ActorSpool.Protocols.Ipp;

/// <summary>A named attribute with one or more values (several values form a 1setOf).</summary>
public sealed class IppAttribute
{
    private readonly IppValue[] _values;

    public IppAttribute(string name, params IppValue[] values) : this(name, (IEnumerable<IppValue>)values)
    {
    }

    public IppAttribute(string name, IEnumerable<IppValue> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(values);
        _values = [.. values];
        // An attribute always has at least one value on the wire; "no value" is expressed with an out-of-band tag.
        if (_values.Length == 0)
            throw new ArgumentException($"IPP attribute '{name}' needs at least one value.", nameof(values));
        Name = name;
    }

    public string Name { get; }

    public IReadOnlyList<IppValue> Values => _values;

    /// <summary>Tag of the first value.</summary>
    public IppTag Tag => _values[0].Tag;

    /// <summary>The first value.</summary>
    public IppValue Value => _values[0];

    public static IppAttribute Keyword(string name, params string[] values) => Strings(name, IppTag.Keyword, values);

    public static IppAttribute Integer(string name, params int[] values) =>
        new(name, values.Select(v => new IppValue(IppTag.Integer, v)));

    public static IppAttribute Enum(string name, params int[] values) =>
        new(name, values.Select(v => new IppValue(IppTag.Enum, v)));

    public static IppAttribute Boolean(string name, bool value) => new(name, new IppValue(IppTag.Boolean, value));

    public static IppAttribute Text(string name, string value) => Strings(name, IppTag.TextWithoutLanguage, [value]);

    // Named NameWithoutLanguage rather than Name: C# does not allow a method to share the Name property's identifier.
    public static IppAttribute NameWithoutLanguage(string name, string value) =>
        Strings(name, IppTag.NameWithoutLanguage, [value]);

    public static IppAttribute TextWithLanguage(string name, string language, string text) =>
        new(name, new IppValue(IppTag.TextWithLanguage, new IppStringWithLanguage(language, text)));

    public static IppAttribute NameWithLanguage(string name, string language, string text) =>
        new(name, new IppValue(IppTag.NameWithLanguage, new IppStringWithLanguage(language, text)));

    public static IppAttribute Uri(string name, params string[] values) => Strings(name, IppTag.Uri, values);

    public static IppAttribute UriScheme(string name, params string[] values) => Strings(name, IppTag.UriScheme, values);

    public static IppAttribute Charset(string name, string value) => Strings(name, IppTag.Charset, [value]);

    public static IppAttribute NaturalLanguage(string name, string value) =>
        Strings(name, IppTag.NaturalLanguage, [value]);

    public static IppAttribute MimeMediaType(string name, params string[] values) =>
        Strings(name, IppTag.MimeMediaType, values);

    public static IppAttribute DateTime(string name, DateTimeOffset value) => new(name, new IppValue(IppTag.DateTime, value));

    public static IppAttribute Range(string name, int lower, int upper) =>
        new(name, new IppValue(IppTag.RangeOfInteger, new IppRange(lower, upper)));

    public static IppAttribute Resolution(string name, int crossFeed, int feed, byte units) =>
        Resolution(name, new IppResolution(crossFeed, feed, units));

    public static IppAttribute Resolution(string name, params IppResolution[] values) =>
        new(name, values.Select(v => new IppValue(IppTag.Resolution, v)));

    public static IppAttribute Collection(string name, params IppCollection[] values) =>
        new(name, values.Select(v => new IppValue(IppTag.BegCollection, v)));

    public static IppAttribute NoValue(string name) => new(name, new IppValue(IppTag.NoValue, null));

    public static IppAttribute Unknown(string name) => new(name, new IppValue(IppTag.Unknown, null));

    public static IppAttribute Unsupported(string name) => new(name, new IppValue(IppTag.Unsupported, null));

    public static IppAttribute OctetString(string name, byte[] value) => new(name, new IppValue(IppTag.OctetString, value));

    public override string ToString() => $"{Name} ({Tag}) = {string.Join(", ", _values)}";

    private static IppAttribute Strings(string name, IppTag tag, string[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new(name, values.Select(v => new IppValue(tag, v ?? throw new ArgumentNullException(nameof(values)))));
    }
}
