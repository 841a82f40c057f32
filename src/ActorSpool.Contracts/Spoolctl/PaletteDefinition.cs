namespace ActorSpool.Contracts.Spoolctl;

/// <summary>
/// A group of commands (Petabridge.Cmd's "palette"), e.g. <c>cluster</c> with the verbs <c>show</c>, <c>leave</c>, ...
/// Defined on the node and sent to spoolctl, which uses it for parsing, help and tab completion.
/// </summary>
public sealed record PaletteDefinition(string Name, string Description, VerbDefinition[] Verbs)
{
    public VerbDefinition? FindVerb(string name) =>
        Verbs.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One command of a palette.</summary>
public sealed record VerbDefinition(string Name, string Description, ArgumentDefinition[] Arguments)
{
    /// <summary>The command changes the system (needs the node's token when one is configured).</summary>
    public bool ChangesState { get; init; }

    /// <summary>The command streams output until it ends or is cancelled (e.g. <c>log tail</c>).</summary>
    public bool Streams { get; init; }

    /// <summary>The argument one of whose switches is <paramref name="word"/> (<c>-a</c>, <c>--address</c>), or null.</summary>
    public ArgumentDefinition? FindSwitch(string word) =>
        Arguments.FirstOrDefault(a => a.Switches.Contains(word, StringComparer.Ordinal));

    public ArgumentDefinition? FindArgument(string name) =>
        Arguments.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>One-line usage, e.g. <c>job move -j ID -q QUEUE</c>.</summary>
    public string Usage(string palette) =>
        string.Join(' ', new[] { palette, Name }.Concat(Arguments.Select(a => a.Usage)));
}

/// <summary>
/// An argument given by switch: <c>-q office</c>, <c>--queue office</c> or <c>--queue=office</c>. Values travel as
/// strings under <see cref="Name"/>; a flag (<see cref="IsFlag"/>) takes no value and is "true" when present.
/// </summary>
public sealed record ArgumentDefinition(string Name, string[] Switches, string Description)
{
    public bool Mandatory { get; init; }

    /// <summary>The value used when the argument is not given (null = none).</summary>
    public string? Default { get; init; }

    /// <summary>The switch may be given more than once; the node receives every value.</summary>
    public bool Repeatable { get; init; }

    public bool IsFlag { get; init; }

    /// <summary>May also be given as a bare word (<c>config apply FILE</c>): the first bare word fills it.</summary>
    public bool Positional { get; init; }

    /// <summary>
    /// The value names a file on spoolctl's own machine: spoolctl sends the file's content (text) in its place, so
    /// the node need not see the operator's file system.
    /// </summary>
    public bool LocalFile { get; init; }

    /// <summary>Placeholder in help, e.g. <c>ADDR</c>.</summary>
    public string ValueName { get; init; } = "VALUE";

    /// <summary>The only accepted values (case-insensitive), also offered by tab completion; null = any.</summary>
    public string[]? AllowedValues { get; init; }

    public string ShortSwitch => Switches.FirstOrDefault(s => !s.StartsWith("--", StringComparison.Ordinal)) ?? Switches[0];

    public string Usage
    {
        get
        {
            var text = IsFlag ? ShortSwitch : Positional ? ValueName : $"{ShortSwitch} {ValueName}";
            if (Repeatable) text += " …";
            return Mandatory ? text : $"[{text}]";
        }
    }
}
