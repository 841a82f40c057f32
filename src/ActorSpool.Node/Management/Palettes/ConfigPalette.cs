using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Management.Catalogs;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>config</c>: the live topology as printers.conf text, and a file applied to it.</summary>
public sealed class ConfigPalette(TopologyCatalog topology, NodeOptions options) : ICommandPalette
{
    public PaletteDefinition Definition { get; } = new("config", "The live printers and queues as printers.conf: export, apply",
    [
        Verb("export", "Print the live topology in printers.conf format (spoolctl config export > printers.conf)"),
        Change("apply", "Make the live topology what a printers.conf file says (read by spoolctl on this machine); all or nothing",
            Option("file", 'f', "FILE", "the printers.conf to apply", mandatory: true) with { Positional = true, LocalFile = true },
            Flag("dry-run", 'n', "only say what would change")),
    ]);

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "export" => ExportAsync(context, ct),
        "apply" => ApplyAsync(context, ct),
        _ => throw CommandException.Usage($"config: no verb {context.Verb.Name}"),
    };

    private async Task ExportAsync(CommandContext c, CancellationToken ct)
    {
        var version = topology.Version;
        var text = TopologyWriter.ToHocon(topology.Topology,
            $"ActorSpool live topology, version {version}, exported {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z from node {options.Hostname}:{options.NodePort}.\n" +
            "Apply a changed copy with: spoolctl config apply FILE");
        await c.ReportAsync(new { version, printersConf = text }, text.TrimEnd('\n').Split('\n'), ct);
    }

    private async Task ApplyAsync(CommandContext c, CancellationToken ct)
    {
        SpoolTopology wanted;
        try
        {
            wanted = TopologyLoader.LoadText(c.Required("file"), "the applied file");
        }
        catch (TopologyException e)
        {
            throw new CommandException("refused, nothing changed: " + string.Join("; ", e.Problems));
        }

        var diff = TopologyDiff.Between(topology.Topology, wanted);
        if (c.Flag("dry-run"))
        {
            await c.ReportAsync(new { dryRun = true, changes = diff.Lines().ToArray() }, diff.Lines().Prepend("Would change (nothing applied):"), ct);
            return;
        }

        var result = await topology.ChangeAsync([new TopologyEdit.ReplaceAll(wanted)], "spoolctl config apply", ct);
        await TopologyEditing.ReportAsync(c, result, "Applied", diff.Lines(), ct);
    }
}
