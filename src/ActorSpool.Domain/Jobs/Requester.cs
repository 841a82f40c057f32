namespace ActorSpool.Domain.Jobs;

/// <summary>
/// Who asks a queue to change something, as the ingress established it: the queue's rules decide with it whether the
/// change is allowed (CUPS's default policy), so IPP, spoolctl and any later API share one set of rules.
/// </summary>
/// <param name="Name">The authenticated user, else the name the client gave (IPP requesting-user-name), as in CUPS.</param>
/// <param name="Authenticated">The client proved <paramref name="Name"/> (HTTP Basic against the users file, or the command host).</param>
/// <param name="Admin">An authenticated administrator: may change every job and administer the queue.</param>
public sealed record Requester(string Name, bool Authenticated, bool Admin)
{
    /// <summary>spoolctl through the command host (loopback or its token): the node's operator.</summary>
    public static readonly Requester Operator = new("spoolctl", Authenticated: true, Admin: true);

    /// <summary>A client that did not authenticate: it is who it says it is, and never an admin.</summary>
    public static Requester Claiming(string name) => new(name, Authenticated: false, Admin: false);

    /// <summary>The job's owner or an admin. Names compare without case, as CUPS compares user names.</summary>
    public bool MayChange(JobRecord job) => Admin || string.Equals(job.Owner, Name, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Admin ? $"{Name} (admin)" : Authenticated ? Name : $"{Name} (not authenticated)";
}
