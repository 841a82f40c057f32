using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Node.Management;

/// <summary>Short-hands for palette definitions: <c>-q</c>/<c>--queue</c> style arguments.</summary>
public static class Define
{
    public static ArgumentDefinition Option(string name, char shortName, string valueName, string description,
        bool mandatory = false, string? defaultValue = null, string[]? allowed = null, bool repeatable = false) =>
        new(name, [$"-{shortName}", $"--{name}"], description)
        {
            ValueName = valueName,
            Mandatory = mandatory,
            Default = defaultValue,
            AllowedValues = allowed,
            Repeatable = repeatable,
        };

    public static ArgumentDefinition Flag(string name, char shortName, string description) =>
        new(name, [$"-{shortName}", $"--{name}"], description) { IsFlag = true };

    public static VerbDefinition Verb(string name, string description, params ArgumentDefinition[] arguments) =>
        new(name, description, arguments);

    /// <summary>A verb that changes the system: it needs the node's token when one is configured.</summary>
    public static VerbDefinition Change(string name, string description, params ArgumentDefinition[] arguments) =>
        new(name, description, arguments) { ChangesState = true };
}
