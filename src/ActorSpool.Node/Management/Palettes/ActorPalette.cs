using System.Diagnostics;
using System.Runtime.InteropServices;
using ActorSpool.Contracts.Spoolctl;
using Akka.Actor;
using Akka.Cluster;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>actor</c>: the actor system of this node and its actor tree (local or of another member).</summary>
public sealed class ActorPalette(ActorSystem system) : ICommandPalette
{
    private const int MaxActors = 5000;

    public PaletteDefinition Definition { get; } = new("actor", "The actor system and its actor hierarchy",
    [
        Verb("system", "Actor system name, address, uptime, Akka and .NET versions, threads and memory"),
        Verb("hierarchy", "The actor tree under a path (Identify on each level), one path per line",
            Option("depth", 'd', "DEPTH", "levels below the start path (1-10)", defaultValue: "3"),
            Option("start", 's', "PATH", "where to start: /user, /system/sharding, or a full akka.tcp://... path of another member", defaultValue: "/user")),
    ]);

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "system" => SystemAsync(context, ct),
        "hierarchy" => HierarchyAsync(context, ct),
        _ => throw CommandException.Usage($"actor: no verb {context.Verb.Name}"),
    };

    private async Task SystemAsync(CommandContext c, CancellationToken ct)
    {
        using var process = Process.GetCurrentProcess();
        var uptime = TimeSpan.FromSeconds(Math.Floor(system.Uptime.TotalSeconds));
        var data = new
        {
            name = system.Name,
            address = Cluster.Get(system).SelfAddress.ToString(),
            startedAt = DateTimeOffset.UtcNow - system.Uptime,
            uptime = uptime.ToString(),
            akka = typeof(ActorSystem).Assembly.GetName().Version?.ToString(),
            dotnet = RuntimeInformation.FrameworkDescription,
            os = RuntimeInformation.OSDescription,
            processId = Environment.ProcessId,
            threads = process.Threads.Count,
            workingSetBytes = process.WorkingSet64,
            gcHeapBytes = GC.GetTotalMemory(false),
            provider = system.Settings.ProviderClass,
        };
        await c.ReportAsync(data,
        [
            $"Name:      {data.name}",
            $"Address:   {data.address}",
            $"Started:   {data.startedAt:u} (up {data.uptime})",
            $"Akka.NET:  {data.akka}",
            $".NET:      {data.dotnet} on {data.os}",
            $"Process:   pid {data.processId}, {data.threads} threads, working set {data.workingSetBytes / (1024 * 1024)} MiB, GC heap {data.gcHeapBytes / (1024 * 1024)} MiB",
            $"Provider:  {data.provider}",
        ], ct);
    }

    private async Task HierarchyAsync(CommandContext c, CancellationToken ct)
    {
        var depth = c.Int("depth", 1, 10);
        var start = (c.Value("start") ?? "/user").TrimEnd('/');
        if (start.Length == 0) start = "";
        if (!start.Contains("://", StringComparison.Ordinal) && start.Length > 0 && !start.StartsWith('/')) start = "/" + start;

        using var inbox = ReplyInbox.Create(system);
        var root = await IdentifyAsync(inbox, start.Length == 0 ? "/" : start, ct);
        if (start.Length > 0 && root is null) throw new CommandException($"no actor at {start}");

        var found = new List<(int Level, ActorPath Path)>();
        var level = new List<string> { start };
        for (var d = 1; d <= depth && level.Count > 0 && found.Count < MaxActors; d++)
        {
            var ids = new Dictionary<string, string>();
            for (var i = 0; i < level.Count; i++)
            {
                var id = $"{d}:{i}";
                ids[id] = level[i];
                system.ActorSelection(level[i] + "/*").Tell(new Identify(id), inbox.Ref);
            }
            var answers = await inbox.CollectAsync(TimeSpan.FromMilliseconds(750), TimeSpan.FromSeconds(15), ct);
            var children = answers.OfType<ActorIdentity>()
                .Where(a => a.Subject is not null && a.MessageId is string id && ids.ContainsKey(id))
                .Where(a => !a.Subject!.Path.Name.StartsWith(ReplyInbox.NamePrefix, StringComparison.Ordinal))
                .Select(a => a.Subject!.Path)
                .Distinct()
                .ToList();
            found.AddRange(children.Select(p => (d, p)));
            level = children.Select(Display).ToList();
        }

        var ordered = found.OrderBy(f => f.Path.Address + "\u0001" + string.Join("\u0001", f.Path.Elements), StringComparer.Ordinal).Take(MaxActors).ToList();
        var startText = start.Length == 0 ? "/" : start;
        await c.ReportAsync(
            new { start = startText, depth, actors = ordered.Select(f => Display(f.Path)).ToArray() },
            new[] { startText }
                .Concat(ordered.Select(f => new string(' ', 2 * f.Level) + Display(f.Path)))
                .Append($"{ordered.Count} actor(s) within {depth} level(s) of {startText}" + (found.Count >= MaxActors ? $" (stopped at {MaxActors})" : "")),
            ct);
    }

    private async Task<IActorRef?> IdentifyAsync(ReplyInbox inbox, string path, CancellationToken ct)
    {
        system.ActorSelection(path).Tell(new Identify("start"), inbox.Ref);
        var answer = await inbox.NextAsync<ActorIdentity>(TimeSpan.FromSeconds(10), ct);
        return answer?.Subject;
    }

    /// <summary>Local actors without the address (<c>/user/x</c>), remote ones in full.</summary>
    private string Display(ActorPath path) =>
        path.Address.Equals(Cluster.Get(system).SelfAddress) || path.Address.HasLocalScope
            ? path.ToStringWithoutAddress()
            : path.ToString();
}
