namespace ActorSpool.Domain.Topology;

/// <summary>Where a delivery to a printer runs: on a node of <see cref="Site"/>, else (none of it in the cluster) of <see cref="Alternate"/>.</summary>
/// <param name="Site">Null: on any node.</param>
/// <param name="Alternate">Null: no alternate (with no node of the site, the job waits).</param>
public sealed record DeliverySite(string? Site, string? Alternate)
{
    public static readonly DeliverySite Anywhere = new(null, null);

    /// <summary>The printer's site and alternate if it names a site, else its queue's.</summary>
    public static DeliverySite For(string? printerSite, string? printerAlternate, QueueDefinition queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return printerSite is not null ? new DeliverySite(printerSite, printerAlternate) : new DeliverySite(queue.Site, queue.AlternateSite);
    }

    public static DeliverySite For(PrinterDefinition printer, QueueDefinition queue)
    {
        ArgumentNullException.ThrowIfNull(printer);
        return For(printer.Site, printer.AlternateSite, queue);
    }
}
