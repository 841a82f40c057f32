namespace ActorSpool.Domain.Messages;

/// <summary>
/// The live topology: the keeper singleton journals every change as the whole resulting printers.conf text and
/// publishes it; each node's replica follows it. Edits travel as <see cref="EditWire"/> (plain data, so the JSON
/// serializer needs no polymorphism).
/// </summary>
public static class TopologyProtocol
{
    /// <summary>Distributed pub-sub topic of <see cref="Replies.TopologyPublished"/> and <see cref="Replies.TopologyVersion"/>.</summary>
    public const string Topic = "actorspool-topology";

    public interface ITopologyMessage : ISpoolMessage;

    /// <summary>
    /// One edit on the wire. <paramref name="Kind"/>: put-printer, remove-printer, put-queue, remove-queue,
    /// set-default-queue, replace-all. <paramref name="Definition"/>: the printer or queue as JSON (put), or the whole
    /// printers.conf text (replace-all).
    /// </summary>
    public sealed record EditWire(string Kind, string Name, string? Mode, string? Definition);

    public static class Commands
    {
        public sealed record ChangeTopology(EditWire[] Edits, string By) : ITopologyMessage;
    }

    public static class Queries
    {
        public sealed record GetTopology : ITopologyMessage
        {
            public static readonly GetTopology Instance = new();
        }
    }

    public static class Events
    {
        /// <summary>The topology after a change (or the seed), as printers.conf text; the newest one is in force.</summary>
        public sealed record TopologyReplaced(string Hocon, string Summary, string By, DateTimeOffset At) : ISpoolMessage;
    }

    public static class Replies
    {
        /// <param name="Outcome">applied, unchanged, invalid, conflict or unavailable (TopologyChangeOutcome in lower case).</param>
        public sealed record TopologyChangeAnswer(string Outcome, long Version, string[] Problems) : ISpoolMessage;

        /// <summary>The keeper's current topology (answer to GetTopology, and published after each change).</summary>
        public sealed record TopologyPublished(long Version, string Hocon) : ISpoolMessage;

        /// <summary>Published every few seconds, so a replica that missed a publication asks again.</summary>
        public sealed record TopologyVersion(long Version) : ISpoolMessage;
    }
}
