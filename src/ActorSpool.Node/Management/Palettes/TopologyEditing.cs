using System.Globalization;
using ActorSpool.Actors.Topology;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Management.Catalogs;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary>
/// The arguments of printer/queue add|set and how their values become definitions; what a topology change's outcome
/// says to the operator. Values are checked by the keeper with the printers.conf rules, so the messages name the key.
/// </summary>
internal static class TopologyEditing
{
    public static readonly ArgumentDefinition[] PrinterArguments =
    [
        Option("uri", 'u', "URI", "device URI: socket://host:9100, ipp://host/ipp/print, ipps://..., lpd://host/queue"),
        Option("fallback-uri", 'f', "URI", "a further path to the same device, in order; 'none' clears them", repeatable: true),
        Option("sequential", 's', "on|off", "keep submission order across every queue that uses the printer", allowed: ["on", "off"]),
        Option("site", 'S', "SITE", "deliveries run on nodes of this site (--site of the node); 'none' for any node"),
        Option("alternate-site", 'A', "SITE", "the site that delivers while SITE has no node; 'none' for no alternate"),
    ];

    public static readonly ArgumentDefinition[] QueueArguments =
    [
        Option("printers", 'P', "P1,P2", "the queue's printers, in order of preference"),
        Option("mode", 'm', "MODE", "failover (first healthy printer) or balance", allowed: ["failover", "balance"]),
        Option("sequential", 's', "on|off", "one job at a time, in submission order", allowed: ["on", "off"]),
        Option("default-priority", 'r', "1..100", "priority of jobs submitted without one"),
        Option("max-attempts", 'a', "N", "delivery attempts before a job is aborted"),
        Option("max-document-size", 'z', "SIZE", "largest accepted document: 512K, 64M, 1G"),
        Option("raw-port", 'R', "PORT", "also accept raw jobs on this port; 'none' for no raw port"),
        Option("max-jobs", 'J', "N", "unfinished jobs the queue holds at most"),
        Option("max-jobs-per-user", 'U', "N", "unfinished jobs one owner may have (0: no limit)"),
        Option("max-documents-per-job", 'D', "N", "documents one job may have"),
        Option("site", 'S', "SITE", "deliveries run on nodes of this site (for printers that name none); 'none' for any node"),
        Option("alternate-site", 'A', "SITE", "the site that delivers while SITE has no node; 'none' for no alternate"),
    ];

    /// <summary>The printer as the arguments say, over <paramref name="old"/> (set) or nothing (add: --uri is needed).</summary>
    public static PrinterDefinition Printer(CommandContext c, string name, PrinterDefinition? old)
    {
        var uri = c.Value("uri") is { } text ? ParseUri(text, "--uri") : old?.Uri ?? throw CommandException.Usage($"{c.Palette} {c.Verb.Name}: missing --uri URI");
        var fallbacks = c.Values("fallback-uri") is { Count: > 0 } given
            ? given.Where(f => !string.Equals(f, "none", StringComparison.OrdinalIgnoreCase)).Select(f => ParseUri(f, "--fallback-uri")).ToList()
            : old?.FallbackUris.ToList() ?? [];
        return (old ?? new PrinterDefinition(name, uri, null)) with
        {
            Name = name,
            Uri = uri,
            FallbackUri = fallbacks.FirstOrDefault(),
            FallbackUris = fallbacks,
            Sequential = c.Value("sequential") is { } sequential ? sequential.Equals("on", StringComparison.OrdinalIgnoreCase) : old?.Sequential ?? false,
            Site = SiteOption(c, "site", old?.Site),
            AlternateSite = SiteOption(c, "alternate-site", old?.AlternateSite),
        };
    }

    /// <summary>The queue as the arguments say, over <paramref name="old"/> (set) or the defaults (add: --printers is needed).</summary>
    public static QueueDefinition Queue(CommandContext c, string name, QueueDefinition? old)
    {
        var printers = c.Value("printers") is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : old?.Printers.ToArray() ?? throw CommandException.Usage($"{c.Palette} {c.Verb.Name}: missing --printers P1,P2");
        var baseline = old ?? new QueueDefinition(name, printers, TopologyDefaults.Mode, TopologyDefaults.Sequential, TopologyDefaults.DefaultPriority,
            TopologyDefaults.MaxAttempts, TopologyDefaults.MaxDocumentBytes, null);
        return baseline with
        {
            Name = name,
            Printers = printers,
            Mode = c.Value("mode") is { } mode ? Enum.Parse<QueueMode>(mode, ignoreCase: true) : baseline.Mode,
            Sequential = c.Value("sequential") is { } sequential ? sequential.Equals("on", StringComparison.OrdinalIgnoreCase) : baseline.Sequential,
            DefaultPriority = Number(c, "default-priority") ?? baseline.DefaultPriority,
            MaxAttempts = Number(c, "max-attempts") ?? baseline.MaxAttempts,
            MaxDocumentBytes = c.Value("max-document-size") is { } size
                ? ByteSize.TryParse(size, out var bytes) ? bytes : throw CommandException.Usage($"--max-document-size: '{size}' is no size (512K, 64M, 1G)")
                : baseline.MaxDocumentBytes,
            RawPort = c.Value("raw-port") is { } port
                ? string.Equals(port, "none", StringComparison.OrdinalIgnoreCase) ? null : Number(c, "raw-port")
                : baseline.RawPort,
            MaxJobs = Number(c, "max-jobs") ?? baseline.MaxJobs,
            MaxJobsPerUser = Number(c, "max-jobs-per-user") ?? baseline.MaxJobsPerUser,
            MaxDocumentsPerJob = Number(c, "max-documents-per-job") ?? baseline.MaxDocumentsPerJob,
            Site = SiteOption(c, "site", baseline.Site),
            AlternateSite = SiteOption(c, "alternate-site", baseline.AlternateSite),
        };
    }

    /// <summary>
    /// printer/queue add|set: the definition <paramref name="build"/> makes from the arguments over the existing one
    /// (set) or none (add), sent as one change and reported.
    /// </summary>
    public static async Task PutAsync<T>(CommandContext c, TopologyCatalog topology, PutMode mode, string kind, Func<SpoolTopology, string, T?> find,
        Func<string, T?, T> build, Func<T, TopologyEdit> edit, Func<T, (string Name, string Fields)> describe, CancellationToken ct)
        where T : class
    {
        var name = c.Required(kind);
        var old = find(topology.Topology, name);
        if (mode == PutMode.Set && old is null) throw new CommandException($"no {kind} {name} ({kind} add creates one)");
        var definition = build(name, mode == PutMode.Set ? old : null);
        var result = await topology.ChangeAsync([edit(definition)], "spoolctl", ct);
        var (what, fields) = describe(definition);
        var done = $"{char.ToUpperInvariant(kind[0])}{kind[1..]} {what} {(mode == PutMode.Add ? "added" : "changed")}: {fields}";
        await ReportAsync(c, result, done, null, ct);
    }

    /// <summary>Reports an applied change, or turns a refused one into the command's error (exit code 1).</summary>
    public static async Task ReportAsync(CommandContext c, TopologyChangeResult result, string done, IEnumerable<string>? extra, CancellationToken ct)
    {
        var data = new { outcome = result.Outcome.ToString().ToLowerInvariant(), version = result.Version, problems = result.Problems };
        switch (result.Outcome)
        {
            case TopologyChangeOutcome.Applied:
                await c.ReportAsync(data, (extra ?? []).Append($"{done} (topology version {result.Version}; every node follows within seconds)"), ct);
                return;
            case TopologyChangeOutcome.Unchanged:
                await c.ReportAsync(data, (extra ?? []).Append($"Nothing to change: the topology already says so (version {result.Version})"), ct);
                return;
            default:
                foreach (var line in extra ?? []) await c.OutAsync(line, ct);
                if (c.Json) await c.DataAsync(data, ct);
                throw new CommandException(result.Outcome switch
                {
                    TopologyChangeOutcome.Invalid => "refused, nothing changed: " + string.Join("; ", result.Problems),
                    TopologyChangeOutcome.Conflict => "refused, nothing changed: " + string.Join("; ", result.Problems),
                    _ => "not done: " + string.Join("; ", result.Problems),
                });
        }
    }

    /// <summary>The option's site, 'none' for no site, or <paramref name="old"/> when not given.</summary>
    private static string? SiteOption(CommandContext c, string name, string? old) =>
        c.Value(name) is not { } text ? old : string.Equals(text, "none", StringComparison.OrdinalIgnoreCase) ? null : text;

    private static int? Number(CommandContext c, string name) =>
        c.Value(name) is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw CommandException.Usage($"--{name}: '{text}' is not a whole number");

    private static Uri ParseUri(string text, string option) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : throw CommandException.Usage($"{option}: '{text}' is not an absolute URI (socket://host:9100, ipp://host/ipp/print, lpd://host/queue)");
}
