using System.Text;
using ActorSpool.Actors.Hosting;
using ActorSpool.Actors.Storage;
using Microsoft.Data.Sqlite;

namespace ActorSpool.Actors.Tests.Storage;

/// <summary>
/// A data directory written before documents got their own SQLite file keeps working: its documents and job ids
/// move to documents.db at the first start, and nothing is reused or lost.
/// </summary>
public sealed class SqliteDocumentsFileTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "actorspool-docfile-" + Guid.NewGuid().ToString("N"));

    public SqliteDocumentsFileTests() => Directory.CreateDirectory(_data);

    private string JournalFile => Path.Combine(_data, SpoolPersistence.SqliteFileName);

    private string DocumentsFile => Path.Combine(_data, SqliteDocumentsFile.FileName);

    [Fact]
    public async Task Documents_stored_in_the_journals_file_move_to_their_own_file_and_stay_readable()
    {
        // The old layout: the document store and a journal table in one file.
        var old = new SqliteDocumentStore(SpoolPersistence.SqliteConnectionString(_data));
        await old.InitializeAsync();
        var first = await old.AllocateJobIdAsync("office");
        await old.WriteDocumentAsync(first, 1, new MemoryStream(Encoding.ASCII.GetBytes("kept across the move")), "text/plain", "a.txt", 1 << 20);
        var second = await old.AllocateJobIdAsync("office");
        await old.DeleteJobAsync(second); // the highest id is gone: it must still never come back
        SqliteFiles.Execute(JournalFile, "CREATE TABLE journal (ordering INTEGER PRIMARY KEY, payload BLOB); INSERT INTO journal (payload) VALUES (x'01');");
        SqliteConnection.ClearAllPools();

        Assert.True(SqliteDocumentsFile.MoveFromJournalFile(JournalFile, DocumentsFile));

        var store = new SqliteDocumentStore(SqliteDocumentsFile.ConnectionString(_data));
        await store.InitializeAsync();
        await using (var read = await store.OpenReadAsync(first, 1))
        {
            Assert.Equal("kept across the move", await new StreamReader(read).ReadToEndAsync());
        }
        Assert.Equal("office", await store.FindQueueOfJobAsync(first));
        Assert.True(await store.AllocateJobIdAsync("office") > second);
        // The journal's file keeps the journal and no longer has the document tables.
        Assert.Equal(["journal"], SqliteFiles.Tables(JournalFile));
        Assert.DoesNotContain("journal", SqliteFiles.Tables(DocumentsFile));
    }

    [Fact]
    public void Nothing_moves_when_the_documents_file_exists_or_there_are_no_old_documents()
    {
        SqliteFiles.Execute(JournalFile, "CREATE TABLE journal (ordering INTEGER PRIMARY KEY);");
        Assert.False(SqliteDocumentsFile.MoveFromJournalFile(JournalFile, DocumentsFile));
        Assert.False(File.Exists(DocumentsFile));

        SqliteFiles.Execute(JournalFile, "CREATE TABLE spool_job (job_id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, created_at INTEGER NOT NULL);");
        SqliteFiles.Execute(DocumentsFile, "CREATE TABLE spool_job (job_id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, created_at INTEGER NOT NULL);");
        Assert.False(SqliteDocumentsFile.MoveFromJournalFile(JournalFile, DocumentsFile));
        Assert.Contains("spool_job", SqliteFiles.Tables(JournalFile));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A pooled handle on another test's thread; the temp directory is cleaned up by the OS.
        }
    }
}
