using ActorSpool.Domain.Membership;
using Akka.Actor;
using Akka.Cluster;

namespace ActorSpool.Actors.Membership;

/// <summary>
/// This node's <see cref="DeliveryFenceRule"/>, read from the cluster's membership and failure detector at the moment
/// of asking (so a node that just woke from a freeze sees its peers' heartbeats overdue before anything else runs).
/// Protocol actors wait on it before a delivery and between the pieces of a document. Without a cluster (a local
/// actor system in tests) it is always open.
/// </summary>
public sealed class DeliveryFence : IExtension
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly Cluster? _cluster;

    public DeliveryFence(ExtendedActorSystem system)
    {
        _cluster = system.Provider is IClusterActorRefProvider ? Cluster.Get(system) : null;
    }

    public static DeliveryFence Get(ActorSystem system) => system.WithExtension<DeliveryFence, DeliveryFenceProvider>();

    public FenceVerdict Verdict
    {
        get
        {
            if (_cluster is null) return FenceVerdict.Open;
            if (_cluster.IsTerminated) return FenceVerdict.Gone;
            var self = _cluster.SelfMember;
            var selfGone = self.Status is MemberStatus.Down or MemberStatus.Removed;
            var members = 0;
            var othersAvailable = 0;
            foreach (var member in _cluster.State.Members)
            {
                if (member.Status is not (MemberStatus.Joining or MemberStatus.WeaklyUp or MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Exiting)) continue;
                members++;
                if (!member.UniqueAddress.Equals(self.UniqueAddress) && _cluster.FailureDetector.IsAvailable(member.Address)) othersAvailable++;
            }
            return DeliveryFenceRule.Decide(selfGone, Math.Max(members, 1), othersAvailable);
        }
    }

    /// <summary>Returns when the fence is open; throws <see cref="DeliveryFencedException"/> once this node is gone.</summary>
    public async ValueTask WaitOpenAsync(CancellationToken ct)
    {
        while (true)
        {
            switch (Verdict)
            {
                case FenceVerdict.Open:
                    return;
                case FenceVerdict.Gone:
                    throw new DeliveryFencedException();
            }
            await Task.Delay(PollInterval, ct);
        }
    }
}

public sealed class DeliveryFenceProvider : ExtensionIdProvider<DeliveryFence>
{
    public override DeliveryFence CreateExtension(ExtendedActorSystem system) => new(system);
}

/// <summary>The cluster downed this node: a delivery it had started stops, the survivors deliver the job.</summary>
public sealed class DeliveryFencedException()
    : Exception("this node was downed by the cluster: the delivery stops here and the job is delivered by the surviving nodes");

/// <summary>A document read for a delivery: every piece waits for an open <see cref="DeliveryFence"/>.</summary>
public sealed class FencedReadStream(Stream inner, DeliveryFence fence) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => inner.Length;
    public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await fence.WaitOpenAsync(cancellationToken);
        return await inner.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        fence.WaitOpenAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
        return inner.Read(buffer, offset, count);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
