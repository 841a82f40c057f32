namespace ActorSpool.Protocols.Ipp;

/// <summary>A resolution value; <paramref name="Units"/> is 3 for dots per inch, 4 for dots per centimetre.</summary>
public sealed record IppResolution(int CrossFeed, int Feed, byte Units)
{
    public const byte DotsPerInch = 3;
    public const byte DotsPerCentimeter = 4;
}

/// <summary>A rangeOfInteger value (inclusive bounds).</summary>
public sealed record IppRange(int Lower, int Upper);

/// <summary>A textWithLanguage or nameWithLanguage value.</summary>
public sealed record IppStringWithLanguage(string Language, string Text);

/// <summary>A collection value: an ordered list of member attributes, which may themselves hold collections.</summary>
public sealed class IppCollection
{
    public IppCollection(params IppAttribute[] members) : this((IEnumerable<IppAttribute>)members)
    {
    }

    public IppCollection(IEnumerable<IppAttribute> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        Members = [.. members];
    }

    public List<IppAttribute> Members { get; }

    /// <summary>First member with that name (case-sensitive), or null.</summary>
    public IppAttribute? Find(string name) => Members.Find(m => m.Name == name);

    /// <summary>Appends a member and returns this collection, for fluent building.</summary>
    public IppCollection Add(IppAttribute member)
    {
        ArgumentNullException.ThrowIfNull(member);
        Members.Add(member);
        return this;
    }

    public override string ToString() => "{" + string.Join(" ", Members) + "}";
}

/// <summary>
/// One attribute value: the wire tag plus its CLR representation. <see cref="Value"/> is
/// <see cref="int"/> (integer, enum), <see cref="bool"/>, <see cref="string"/> (character-string tags),
/// <see cref="byte"/>[] (octetString and tags this codec does not interpret), <see cref="DateTimeOffset"/>,
/// <see cref="IppResolution"/>, <see cref="IppRange"/>, <see cref="IppStringWithLanguage"/>,
/// <see cref="IppCollection"/>, or null for out-of-band tags.
/// </summary>
public readonly record struct IppValue(IppTag Tag, object? Value)
{
    public bool IsOutOfBand => Tag.IsOutOfBand();

    /// <summary>The integer or enum value.</summary>
    public int AsInt() => Value is int i ? i : throw WrongType("an integer");

    public bool AsBool() => Value is bool b ? b : throw WrongType("a boolean");

    /// <summary>The string value; for text/name with language, the text part.</summary>
    public string AsString() => Value switch
    {
        string s => s,
        IppStringWithLanguage l => l.Text,
        _ => throw WrongType("a string"),
    };

    public IppCollection AsCollection() => Value is IppCollection c ? c : throw WrongType("a collection");

    public override string ToString() => Value switch
    {
        null => $"<{Tag}>",
        byte[] bytes => $"<{Convert.ToHexString(bytes)}>",
        DateTimeOffset d => d.ToString("O"),
        _ => Value.ToString() ?? string.Empty,
    };

    private InvalidOperationException WrongType(string expected) =>
        new($"IPP value with tag {Tag} holds {Value?.GetType().Name ?? "no value"}, not {expected}.");
}
