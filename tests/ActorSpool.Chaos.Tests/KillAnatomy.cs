using System.Globalization;

namespace ActorSpool.Chaos.Tests;

/// <summary>
/// How the survivors reacted to a SIGKILL, phase by phase, from the Akka log lines of the nodes: when the dead
/// node was marked unreachable, downed by the split brain resolver, removed, when the balancer singleton and the
/// queue were started elsewhere (if they had to move). Times are after the kill.
/// </summary>
public sealed class KillAnatomy
{
    private readonly List<(string Phase, TimeSpan After, string Node)> _phases = [];

    public IReadOnlyList<(string Phase, TimeSpan After, string Node)> Phases => _phases;

    /// <param name="until">Ignore lines after this moment (e.g. the restart of the killed node).</param>
    public static KillAnatomy Read(ClusterHarness cluster, int node, DateTimeOffset killedAt, DateTimeOffset until)
    {
        var address = $@"127\.0\.0\.1:{cluster.RemotingPort(node)}";
        var anatomy = new KillAnatomy();
        foreach (var (phase, pattern) in new[]
                 {
                     ("unreachable", $@"Marking node\(s\) as UNREACHABLE \[Member\(address = [^ ,]*{address},"),
                     ("downed as crashed", $@"Member [^ ]*{address} crashed:"),
                     ("SBR downs it", $@"SBR is downing \[UniqueAddress: \([^ ,]*{address},"),
                     ("leader removes it", $@"Leader is removing unreachable node \[[^\]]*{address}\]"),
                     ("singleton managers see it removed", $@"Member removed \[[^\]]*{address}\]"),
                     ("balancer singleton started", "Balancer singleton started on"),
                     ("queue recovered", $"Queue {cluster.Queue}: recovered"),
                 })
        {
            if (cluster.FirstLogAfter(pattern, killedAt) is { } hit && hit.Time <= until)
            {
                anatomy._phases.Add((phase, hit.Time - killedAt, hit.Node));
            }
        }
        anatomy._phases.Sort((a, b) => a.After.CompareTo(b.After));
        return anatomy;
    }

    public void Add(string phase, TimeSpan after, string node)
    {
        _phases.Add((phase, after, node));
        _phases.Sort((a, b) => a.After.CompareTo(b.After));
    }

    public override string ToString() =>
        _phases.Count == 0
            ? "—"
            : string.Join(" → ", _phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Phase} +{p.After.TotalSeconds:0.0} s")));
}
