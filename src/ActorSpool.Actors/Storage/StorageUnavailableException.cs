using System.Data.Common;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// The spool's database did not take a write or answer a read (down, unreachable, timed out, disk full), or a queue's
/// journal failed a write an answer waited for. Ingress answers "service unavailable, try again": nothing the client
/// sent may be taken as accepted.
/// </summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null, bool diskFull = false) : Exception(message, inner)
{
    /// <summary>The database's disk is full (SQLite error 13), rather than the database being away.</summary>
    public bool DiskFull { get; } = diskFull;

    /// <summary>
    /// Whether <paramref name="e"/> is the database failing (not the client, not a bad request). A full spool disk is
    /// reported on its own (<see cref="StorageFullException"/>: "temporary error", as the free-space floor).
    /// </summary>
    public static bool IsStorageFailure(Exception e) => e is not StorageFullException && (e is DbException || e.InnerException is DbException);

    /// <summary>A storage failure as the operator and the client should read it.</summary>
    public static StorageUnavailableException From(Exception e)
    {
        var failure = e as DbException ?? e.InnerException as DbException ?? e;
        // SQLITE_FULL (13): the data directory's disk is full.
        var diskFull = failure is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 13 };
        var reason = diskFull ? $"the spool disk is full ({failure.Message})" : $"the spool database failed: {failure.Message}";
        return new StorageUnavailableException(reason, e, diskFull);
    }
}
