using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.TestSupport.Spoolctl;

/// <summary>Palette definitions shaped like the node's, for parsing, completion and help tests.</summary>
public static class SamplePalettes
{
    public static readonly PaletteDefinition Cluster = new("cluster", "Cluster membership",
    [
        new VerbDefinition("show", "List the members", []),
        new VerbDefinition("status", "This node", []),
        new VerbDefinition("leave", "Leave", [new ArgumentDefinition("address", ["-a", "--address"], "member address") { ValueName = "ADDR" }]) { ChangesState = true },
        new VerbDefinition("down", "Down", [new ArgumentDefinition("address", ["-a", "--address"], "member address") { ValueName = "ADDR", Mandatory = true }]) { ChangesState = true },
    ]);

    public static readonly PaletteDefinition Job = new("job", "Jobs",
    [
        new VerbDefinition("list", "List jobs",
        [
            new ArgumentDefinition("queue", ["-q", "--queue"], "queue") { ValueName = "QUEUE", Repeatable = true },
            new ArgumentDefinition("state", ["-s", "--state"], "state") { ValueName = "STATE", Default = "active", AllowedValues = ["active", "all", "finished"] },
            new ArgumentDefinition("verbose", ["-v", "--verbose"], "more") { IsFlag = true },
        ]),
        new VerbDefinition("show", "Show a job", [new ArgumentDefinition("job", ["-j", "--job"], "job id") { ValueName = "ID", Mandatory = true }]),
    ]);

    public static readonly PaletteDefinition Log = new("log", "Logs",
    [
        new VerbDefinition("tail", "Tail", [new ArgumentDefinition("lines", ["-n", "--lines"], "lines") { ValueName = "N", Default = "10" }]) { Streams = true },
    ]);

    public static PaletteDefinition[] All => [Cluster, Job, Log];
}
