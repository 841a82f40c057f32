using ActorSpool.Domain.Jobs;
using Akka.Actor;

namespace ActorSpool.Domain.Messages;

public static class BalancerProtocol
{
    public interface IBalancerMessage : ISpoolMessage;

    /// <summary>Sent by each worker on start and periodically, so a new balancer singleton relearns the load.</summary>
    public sealed record RegisterWorker(IActorRef Worker, string Node, Balancing.WorkRequest? BusyWith) : IBalancerMessage
    {
        /// <summary>Jobs and bytes this worker delivered since it started (it runs the delivery on its own node).</summary>
        public long Delivered { get; init; }

        public long DeliveredBytes { get; init; }

        /// <summary>The site of the worker's node (<c>--site</c>); null: none (or a node that predates sites).</summary>
        public string? Site { get; init; }
    }

    public sealed record RequestWorker(Balancing.WorkRequest Request, IActorRef ReplyTo) : IBalancerMessage;

    /// <summary>A worker of a leaving node: grant it nothing more.</summary>
    public sealed record UnregisterWorker(IActorRef Worker) : IBalancerMessage;

    public sealed record WithdrawRequest(string Queue, long JobId) : IBalancerMessage;

    /// <summary>The worker has finished its job (or declined it) and is idle.</summary>
    public sealed record WorkFinished(IActorRef Worker) : IBalancerMessage;

    public sealed record WorkerGranted(Balancing.WorkRequest Request, IActorRef Worker) : ISpoolMessage;

    public sealed record GetBalancerStatus : IBalancerMessage
    {
        public static readonly GetBalancerStatus Instance = new();
    }

    public sealed record BalancerStatus(string HostNode, Balancing.NodeLoad[] Nodes, int Waiting, long Granted) : ISpoolMessage
    {
        /// <summary>Every site with a worker or a waiting request; empty from a balancer that predates sites.</summary>
        public Balancing.SiteLoad[] Sites { get; init; } = [];
    }
}
