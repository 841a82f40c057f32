using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;

namespace ActorSpool.Actors.Hosting;

/// <summary>
/// The journal and snapshot plugins start on first use: they connect, create their tables and compile their
/// queries, ~1.5 s on a fresh node. Used first by sharding's coordinator to remember where the first shards live,
/// that delay held every queue's and printer's first message past the region's 2.5 s warning ("Requested shard
/// homes ... from coordinator"). A node therefore reads from both stores once before it joins the cluster.
/// </summary>
public static class PersistenceWarmUp
{
    private const string NoSuchEntity = "actorspool-storage-warm-up";

    /// <summary>Returns null once both stores answered, else what went wrong (the node joins anyway: the stores' own retries take over).</summary>
    public static async Task<string?> RunAsync(ActorSystem system, TimeSpan timeout)
    {
        var persistence = Persistence.Instance.Apply(system);
        try
        {
            var journal = persistence.JournalFor(null);
            var snapshots = persistence.SnapshotStoreFor(null);
            // max = 0 replays nothing; the journal still reads the highest sequence number, which needs its table.
            var replayed = journal.Ask<object>((Func<IActorRef, object>)(replyTo => new ReplayMessages(0, 0, 0, NoSuchEntity, replyTo)), timeout, CancellationToken.None);
            var loaded = snapshots.Ask<object>(new LoadSnapshot(NoSuchEntity, SnapshotSelectionCriteria.Latest, long.MaxValue), timeout);
            var answers = await Task.WhenAll(replayed, loaded).ConfigureAwait(false);
            return answers.FirstOrDefault(a => a is ReplayMessagesFailure or LoadSnapshotFailed) switch
            {
                ReplayMessagesFailure failure => "journal: " + failure.Cause.Message,
                LoadSnapshotFailed failure => "snapshot store: " + failure.Cause.Message,
                _ => null,
            };
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return $"no answer from the journal or snapshot store within {timeout.TotalSeconds:0} s";
        }
    }

    /// <summary>
    /// Joins through <paramref name="seeds"/> (Akka addresses), or forms a cluster of one without any, once both
    /// stores have answered: the first shards are then placed at once. The join-seed deadline (exit code 3) starts here.
    /// </summary>
    public static void JoinWhenStorageAnswers(ActorSystem system, IReadOnlyList<string> seeds) => _ = JoinAsync(system, seeds);

    private static async Task JoinAsync(ActorSystem system, IReadOnlyList<string> seeds)
    {
        var problem = await RunAsync(system, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (problem is not null) system.Log.Warning("Storage did not answer before joining the cluster ({0}); joining anyway", problem);
        var cluster = Cluster.Get(system);
        if (seeds.Count == 0) cluster.Join(cluster.SelfAddress);
        else cluster.JoinSeedNodes(seeds.Select(Address.Parse));
    }
}
