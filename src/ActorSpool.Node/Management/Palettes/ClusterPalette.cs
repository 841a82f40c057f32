using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Node.Management.Catalogs;
using Akka.Actor;
using Akka.Cluster;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>cluster</c>: membership as Akka.Cluster sees it from this node, and joining, leaving and downing.</summary>
public sealed class ClusterPalette(ActorSystem system, ClusterCatalog catalog) : ICommandPalette
{
    private static readonly ArgumentDefinition Address = Option("address", 'a', "ADDR",
        "member address: akka.tcp://actorspool@HOST:PORT, or HOST:PORT (the remoting port)");

    public PaletteDefinition Definition { get; } = new("cluster", "Cluster membership: members, leader, join, leave, down",
    [
        Verb("show", "List the members: address | [roles] | status | reachability | version, then the count"),
        Verb("status", "This node's own membership: address, status, roles, leader, unreachable members"),
        Verb("leader", "The cluster leader and the leader of each role"),
        Change("join", "Make this node join the cluster of the node at ADDR", Address with { Mandatory = true }),
        Change("leave", "Make a member leave the cluster gracefully (default: this node); its jobs in hand finish first",
            Address, Flag("wait", 'w', "wait until the member has been removed and report each step")),
        Change("down", "Down a member (removed without a handshake: for a crashed or hung node)", Address with { Mandatory = true }),
        Change("down-unreachable", "Down every member that is currently unreachable"),
    ]);

    private Cluster Cluster => Cluster.Get(system);

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "show" => ShowAsync(context, ct),
        "status" => StatusAsync(context, ct),
        "leader" => LeaderAsync(context, ct),
        "join" => JoinAsync(context, ct),
        "leave" => LeaveAsync(context, ct),
        "down" => DownAsync(context, ct),
        "down-unreachable" => DownUnreachableAsync(context, ct),
        _ => throw CommandException.Usage($"cluster: no verb {context.Verb.Name}"),
    };

    private async Task ShowAsync(CommandContext c, CancellationToken ct)
    {
        var members = catalog.Members();
        await c.ReportAsync(new { members, count = members.Count }, members.Select(m => m.Line).Append($"Count: {members.Count} nodes"), ct);
    }

    private async Task StatusAsync(CommandContext c, CancellationToken ct)
    {
        var cluster = Cluster;
        var state = cluster.State;
        var self = cluster.SelfMember;
        var unreachable = state.Unreachable.Select(m => m.Address.ToString()).Order(StringComparer.Ordinal).ToArray();
        var data = new
        {
            address = self.Address.ToString(),
            status = ClusterCatalog.StatusName(self.Status),
            roles = self.Roles.Order(StringComparer.Ordinal).ToArray(),
            version = self.AppVersion.ToString(),
            leader = state.Leader?.ToString(),
            isLeader = self.Address.Equals(state.Leader),
            members = state.Members.Count,
            up = state.Members.Count(m => m.Status == MemberStatus.Up),
            unreachable,
        };
        await c.ReportAsync(data,
        [
            $"Address:     {data.address}",
            $"Status:      {data.status}",
            $"Roles:       [{string.Join(",", data.roles)}]",
            $"Version:     {data.version}",
            $"Leader:      {data.leader ?? "none"}{(data.isLeader ? " (this node)" : "")}",
            $"Members:     {data.members} ({data.up} up, {unreachable.Length} unreachable)",
            $"Unreachable: {(unreachable.Length == 0 ? "none" : string.Join(", ", unreachable))}",
        ], ct);
    }

    private async Task LeaderAsync(CommandContext c, CancellationToken ct)
    {
        var state = Cluster.State;
        var roles = state.AllRoles.Order(StringComparer.Ordinal).ToDictionary(r => r, r => state.RoleLeader(r)?.ToString());
        var leader = state.Leader?.ToString();
        await c.ReportAsync(new { leader, roles },
            new[] { leader ?? "no leader (the cluster has no reachable Up member yet)" }
                .Concat(roles.Select(r => $"  role {r.Key}: {r.Value ?? "none"}")), ct);
        if (leader is null) c.ExitCode = ExitCodes.Failed;
    }

    private async Task JoinAsync(CommandContext c, CancellationToken ct)
    {
        var address = ParseAddress(c.Required("address"));
        Cluster.Join(address);
        await c.ReportAsync(new { joining = address.ToString() }, [$"Joining {address} (this node: {Cluster.SelfAddress})"], ct);
    }

    private async Task LeaveAsync(CommandContext c, CancellationToken ct)
    {
        var cluster = Cluster;
        var address = c.Value("address") is { } text ? ParseAddress(text) : cluster.SelfAddress;
        var member = RequireMember(address);
        var self = address.Equals(cluster.SelfAddress);
        cluster.Leave(address);
        if (!c.Flag("wait") || self)
        {
            await c.ReportAsync(new { leaving = address.ToString(), self },
            [
                $"{address} is leaving the cluster" + (self ? " (this node: it shuts down once it has left, and this command host with it)" : ""),
            ], ct);
            return;
        }
        await FollowUntilRemovedAsync(c, member.Address, TimeSpan.FromMinutes(2), ct);
    }

    private async Task DownAsync(CommandContext c, CancellationToken ct)
    {
        var address = ParseAddress(c.Required("address"));
        RequireMember(address);
        Cluster.Down(address);
        await c.ReportAsync(new { downed = new[] { address.ToString() } }, [$"{address} marked as down"], ct);
    }

    private async Task DownUnreachableAsync(CommandContext c, CancellationToken ct)
    {
        var cluster = Cluster;
        var unreachable = cluster.State.Unreachable.Select(m => m.Address).OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
        foreach (var address in unreachable) cluster.Down(address);
        await c.ReportAsync(new { downed = unreachable.Select(a => a.ToString()).ToArray() },
            unreachable.Count == 0 ? ["No unreachable members"] : unreachable.Select(a => $"{a} marked as down"), ct);
    }

    private async Task FollowUntilRemovedAsync(CommandContext c, Address address, TimeSpan limit, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + limit;
        string? last = null;
        while (true)
        {
            var member = Cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address));
            var status = member is null ? "removed" : ClusterCatalog.StatusName(member.Status);
            if (status != last)
            {
                await c.OutAsync($"{address}: {status}", ct);
                last = status;
            }
            if (member is null) return;
            if (DateTime.UtcNow > deadline) throw new CommandException($"{address} is still {status} after {limit.TotalSeconds:0} s");
            await Task.Delay(250, ct);
        }
    }

    private Member RequireMember(Address address) =>
        Cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address))
        ?? throw new CommandException($"{address} is not a member of this cluster; members: {string.Join(", ", Cluster.State.Members.Select(m => m.Address))}");

    /// <summary><c>akka.tcp://system@host:port</c>, or <c>host:port</c> for a node of this actor system (its protocol: akka.ssl.tcp with TLS).</summary>
    public Address ParseAddress(string text)
    {
        try
        {
            if (text.Contains("://", StringComparison.Ordinal)) return Akka.Actor.Address.Parse(text.TrimEnd('/'));
            var colon = text.LastIndexOf(':');
            if (colon > 0 && int.TryParse(text[(colon + 1)..], out var port) && port is > 0 and <= 65535)
            {
                return new Address(Cluster.SelfAddress.Protocol, system.Name, text[..colon], port);
            }
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
        }
        throw CommandException.Usage($"'{text}' is not a member address; use akka.tcp://{system.Name}@HOST:PORT or HOST:PORT");
    }
}
