using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Topology;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>
/// <see cref="ITopologyAdmin"/> without a cluster: applies the edits with the real <see cref="TopologyEditor"/> to a
/// <see cref="LiveTopology"/> and refuses to remove a queue of the fake spooler that holds unfinished jobs, as the
/// topology keeper does.
/// </summary>
internal sealed class InMemoryTopologyAdmin(FakeSpoolGateway gateway) : ITopologyAdmin
{
    public LiveTopology Live { get; } = new(gateway.Topology);

    /// <summary>Every applied change, with who made it.</summary>
    public List<(IReadOnlyList<TopologyEdit> Edits, string By)> Applied { get; } = [];

    /// <summary>When set, every change is answered Unavailable with this reason (the keeper cannot be reached).</summary>
    public string? Unavailable { get; set; }

    public async Task<TopologyChangeResult> ChangeAsync(IReadOnlyList<TopologyEdit> edits, string by, CancellationToken ct)
    {
        if (Unavailable is { } reason) return new(TopologyChangeOutcome.Unavailable, Live.Version, [reason]);
        foreach (var remove in edits.OfType<TopologyEdit.RemoveQueue>().Where(r => Live.Current.FindQueue(r.Name) is not null))
        {
            var status = await gateway.GetQueueStatusAsync(remove.Name, ct);
            int unfinished = status.Pending + status.Held + status.Processing;
            if (unfinished > 0)
                return new(TopologyChangeOutcome.Conflict, Live.Version, [$"queue {remove.Name} holds {unfinished} unfinished job(s)"]);
        }

        var outcome = TopologyEditor.Apply(Live.Current, edits);
        if (outcome.Topology is not { } changed) return new(TopologyChangeOutcome.Invalid, Live.Version, outcome.Problems);
        if (TopologyWriter.ToHocon(changed) == TopologyWriter.ToHocon(Live.Current)) return new(TopologyChangeOutcome.Unchanged, Live.Version, []);
        Live.Update(changed, Live.Version + 1);
        gateway.Follow(changed);
        Applied.Add((edits, by));
        return new(TopologyChangeOutcome.Applied, Live.Version, []);
    }
}
