namespace ActorSpool.Actors.Hosting;

/// <summary>The cluster roles a node may have (<c>--roles</c>).</summary>
public static class SpoolRoles
{
    /// <summary>Hosts queues, printers, the balancer and spool workers.</summary>
    public const string Worker = "worker";

    /// <summary>Takes jobs in (IPP, LPD, raw) and talks to the workers' nodes.</summary>
    public const string Ingress = "ingress";
}
