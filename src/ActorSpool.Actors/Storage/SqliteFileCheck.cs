using System.Buffers.Binary;
using System.Text;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Storage;

/// <summary>
/// A damaged file in the data directory: the node must not start on it, since accepted jobs could be missing. The
/// message is the one line the operator reads: the file, what is wrong, and where the recovery is described.
/// </summary>
public sealed class DamagedDataFileException(string file, string problem, Exception? inner = null)
    : Exception($"{file} {problem}; the node does not start on it, since accepted jobs could be missing. " +
                "Restore the data directory from a backup, or salvage the file with sqlite3's .recover: see docs/reliability.md, \"Damaged files\"", inner)
{
    public string File { get; } = file;
}

/// <summary>
/// Start-up checks of one SQLite file of the data directory: its header (cheap, catches truncation and overwritten
/// headers) and <c>PRAGMA quick_check</c> (reads every page of what it checks once: b-tree structure, page links, free
/// list; not the contents of rows, nor the index-to-table consistency that <c>integrity_check</c> also verifies).
/// </summary>
public static class SqliteFileCheck
{
    /// <summary>The 100-byte database header; a file shorter than that is not a database SQLite wrote.</summary>
    private const int HeaderLength = 100;

    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("SQLite format 3\0");

    /// <summary>Whether an existing database file is in WAL mode (header bytes 18 and 19 are 2).</summary>
    public static bool IsWriteAheadLogMode(string file)
    {
        var (header, _) = ReadHeader(file);
        return header.Length >= HeaderLength && header[18] == 2 && header[19] == 2;
    }

    /// <summary>Why the header of <paramref name="file"/> is not that of an intact database, or null.</summary>
    public static string? HeaderProblem(string file)
    {
        var (header, length) = ReadHeader(file);
        if (header.Length < HeaderLength)
            return $"is {length} bytes long, shorter than a SQLite header (truncated)";
        if (!header.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            return "does not start with the SQLite header (overwritten)";

        int pageSize = BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(16));
        if (pageSize == 1) pageSize = 65536;
        if (pageSize < 512 || (pageSize & (pageSize - 1)) != 0)
            return $"has an invalid page size in its header ({pageSize})";

        // The in-header page count is valid when "version-valid-for" equals the change counter (SQLite >= 3.7.0 keeps
        // it so). The file may be longer (pages freed at the end), never shorter: that is a truncation.
        var changeCounter = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(24));
        var validFor = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(92));
        long pages = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(28));
        if (changeCounter == validFor && pages * pageSize > length)
            return $"is {length} bytes long, but its header counts {pages} pages of {pageSize} bytes ({pages * pageSize} bytes): truncated";
        return null;
    }

    /// <summary>
    /// Runs <c>PRAGMA quick_check</c> on an open connection, on the whole file or only on <paramref name="tables"/>
    /// (and their indexes) where they exist; throws <see cref="DamagedDataFileException"/> on a finding.
    /// </summary>
    public static void QuickCheck(SqliteConnection connection, string file, IReadOnlyList<string>? tables = null)
    {
        var findings = new List<string>();
        try
        {
            var existing = SqliteFile.Tables(connection);
            var pragmas = tables is null
                ? ["PRAGMA quick_check(5)"]
                : tables.Where(existing.Contains).Select(table => $"PRAGMA quick_check(\"{table}\")").ToList();
            foreach (var pragma in pragmas)
            {
                using var command = connection.CreateCommand();
                command.CommandText = pragma;
                command.CommandTimeout = 0; // as long as reading the file takes
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    if (reader.GetString(0) != "ok") findings.Add(reader.GetString(0));
                }
            }
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 11 or 26) // SQLITE_CORRUPT, SQLITE_NOTADB
        {
            throw new DamagedDataFileException(file, $"is damaged ({OneLine(e.Message)})", e);
        }

        if (findings.Count == 0) return;
        throw new DamagedDataFileException(file, $"is damaged (quick_check: {OneLine(string.Join("; ", findings))})");
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    /// <summary>The header and the file's length (of the file a symbolic link points to, as SQLite sees it).</summary>
    private static (byte[] Header, long Length) ReadHeader(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var header = new byte[Math.Min(HeaderLength, stream.Length)];
        stream.ReadExactly(header);
        return (header, stream.Length);
    }
}
