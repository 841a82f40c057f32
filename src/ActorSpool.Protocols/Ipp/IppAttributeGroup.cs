namespace ActorSpool.Protocols.Ipp;

/// <summary>An attribute group introduced by a delimiter tag (operation, job, printer, unsupported, ...).</summary>
public sealed class IppAttributeGroup
{
    public IppAttributeGroup(IppTag tag)
    {
        // End-of-attributes terminates the section and cannot introduce a group.
        if (!tag.IsDelimiter() || tag == IppTag.EndOfAttributes || tag == 0)
            throw new ArgumentOutOfRangeException(nameof(tag), tag, "IPP attribute groups need a group delimiter tag.");
        Tag = tag;
    }

    public IppTag Tag { get; }

    public List<IppAttribute> Attributes { get; } = [];

    /// <summary>First attribute with that name (case-sensitive; IPP names are lowercase), or null.</summary>
    public IppAttribute? Find(string name) => Attributes.Find(a => a.Name == name);

    /// <summary>Appends an attribute and returns this group, for fluent building.</summary>
    public IppAttributeGroup Add(IppAttribute attribute)
    {
        ArgumentNullException.ThrowIfNull(attribute);
        Attributes.Add(attribute);
        return this;
    }
}
