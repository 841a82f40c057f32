using System.Threading.Channels;

namespace ActorSpool.Node.Web.Live;

/// <summary>One Server-Sent Event: its type (job, printer, member, balancer, stats, queue) and its data, JSON already.</summary>
public sealed record LiveEvent(string Type, string Json);

/// <summary>What the HTTP endpoints ask this node's live-feed actor (local messages: they never leave the node).</summary>
public static class LiveFeedProtocol
{
    public interface ILiveFeedMessage;

    /// <summary>Each event from now on goes to <paramref name="Events"/> (a bounded channel dropping its oldest).</summary>
    public sealed record SubscribeEvents(ChannelWriter<LiveEvent> Events) : ILiveFeedMessage;

    public sealed record UnsubscribeEvents(ChannelWriter<LiveEvent> Events) : ILiveFeedMessage;

    /// <summary>Answered with <see cref="StatsView"/>.</summary>
    public sealed record GetStats(int Minutes) : ILiveFeedMessage;

    /// <summary>Answered with <see cref="NodeView"/>[].</summary>
    public sealed record GetNodes : ILiveFeedMessage
    {
        public static readonly GetNodes Instance = new();
    }

    /// <summary>Answered with <see cref="PrinterHistoryReply"/>.</summary>
    public sealed record GetPrinterHistory(string Printer) : ILiveFeedMessage;

    public sealed record PrinterHistoryReply(HealthChange[] Changes) : ILiveFeedMessage;
}
