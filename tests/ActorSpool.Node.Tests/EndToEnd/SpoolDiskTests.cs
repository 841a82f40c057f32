using System.Diagnostics;
using System.Net.Http.Headers;
using ActorSpool.Actors.Storage;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Tests.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// A node whose data directory is a real, small file system (a 48 MiB tmpfs): below actorspool.limits.min-free-disk
/// Print-Job is refused with server-error-temporary-error before anything is written, and accepted again once space is
/// back. Job ids are allocated only with a stored document, so refusals leave no rows and use up no ids.
/// </summary>
public sealed class SpoolDiskTests
{
    private const long MiB = 1024 * 1024;

    [TmpfsFact]
    public async Task Below_the_free_space_floor_print_job_is_refused_and_accepted_again_when_space_is_back()
    {
        using var mount = new TempDirectory();
        Mount(mount.Path);
        try
        {
            await using var printer = await Printers.SimulatorAsync("lj-1");
            var data = Directory.CreateDirectory(Path.Combine(mount.Path, "data")).FullName;
            var printers = Printers.WriteFile(mount.Path, [printer], "  office { printers = [lj-1] }\n  small { printers = [lj-1], max-document-size = 1K }");
            await using var node = await InProcessNode.StartAsync(InProcessNode.Options(data, printers), "actorspool.limits.min-free-disk = 16MiB");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.IppPort}/") };
            var documents = node.Services.GetRequiredService<IDocumentStore>();

            var first = await PrintAsync(http, node, "office", TextDocument);
            first.AssertStatus(IppStatusCode.SuccessfulOk);
            long firstId = first.Job("job-id").Value.AsInt();

            (await PrintAsync(http, node, "small", new byte[4096])).AssertStatus(IppStatusCode.ClientErrorRequestEntityTooLarge);

            // Fill the file system until less than the floor is free.
            var filler = Path.Combine(mount.Path, "filler");
            await FillAsync(filler, new DriveInfo(mount.Path).AvailableFreeSpace - 8 * MiB);
            Assert.True(new DriveInfo(mount.Path).AvailableFreeSpace < 16 * MiB);
            var refused = await PrintAsync(http, node, "office", TextDocument);
            refused.AssertStatus(IppStatusCode.ServerErrorTemporaryError);
            Assert.Contains("min-free-disk", refused.StatusMessage());

            File.Delete(filler);
            var second = await PrintAsync(http, node, "office", TextDocument);
            second.AssertStatus(IppStatusCode.SuccessfulOk);

            // The two refusals took no job id and left no row.
            Assert.Equal(firstId + 1, second.Job("job-id").Value.AsInt());
            Assert.Equal("office", await documents.FindQueueOfJobAsync(firstId));
            Assert.Null(await documents.FindQueueOfJobAsync(firstId + 2));
        }
        finally
        {
            Unmount(mount.Path);
        }
    }

    /// <summary>
    /// With the floor off (min-free-disk = 0) the disk really runs full: SQLite answers "database or disk is full"
    /// (a commit that finds no room, also one that fails half-way through its WAL frames) and the upload's staging
    /// file gets ENOSPC. Print-Job is refused with server-error-temporary-error saying so, nothing of it stays, the
    /// node keeps answering, the jobs accepted before print intact, and intake works again once space is freed.
    /// </summary>
    [TmpfsFact]
    public async Task When_the_disk_runs_full_print_job_is_refused_nothing_is_half_written_and_intake_resumes_once_space_is_freed()
    {
        using var mount = new TempDirectory();
        Mount(mount.Path);
        try
        {
            await using var printer = await Printers.SimulatorAsync("lj-1");
            var data = Directory.CreateDirectory(Path.Combine(mount.Path, "data")).FullName;
            var printers = Printers.WriteFile(mount.Path, [printer], "  office { printers = [lj-1] }");
            await using var node = await InProcessNode.StartAsync(InProcessNode.Options(data, printers), "actorspool.limits.min-free-disk = 0");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.IppPort}/") };
            var queueUri = node.QueueUri("office").ToString();

            // Accepted before, held so that they wait through the whole episode; one is larger than a chunk.
            var held = new Dictionary<long, byte[]>();
            foreach (var size in new[] { 600 * 1024, 3000, 3000 })
            {
                var document = Document(size, (byte)('a' + held.Count));
                var accepted = await SendAsync(http, "office", PrintJob(printerUri: queueUri).JobAttr(IppAttribute.Keyword("job-hold-until", "indefinite")), document);
                accepted.AssertStatus(IppStatusCode.SuccessfulOk);
                held.Add(accepted.Job("job-id").Value.AsInt(), document);
            }

            var filler = Path.Combine(mount.Path, "filler");
            await FillAsync(filler, long.MaxValue); // to the last byte
            // A small document (SQLite's WAL cannot grow) and a large one (its staging file cannot be written).
            AssertDiskFull(await PrintAsync(http, node, "office", TextDocument));
            AssertDiskFull(await PrintAsync(http, node, "office", Document(2 * (int)MiB, (byte)'x')));
            // Not wedged: the node answers, and still lists what it holds.
            Assert.Equal(held.Keys.Order(), await JobIdsAsync(http, queueUri));

            // Room for the staging file but not for the commit: SQLite fails in the middle of writing its WAL frames.
            File.Delete(filler);
            await FillAsync(filler, new DriveInfo(mount.Path).AvailableFreeSpace - 3 * MiB);
            AssertDiskFull(await PrintAsync(http, node, "office", Document(2 * (int)MiB, (byte)'y')));

            File.Delete(filler);
            var after = await PrintAsync(http, node, "office", TextDocument);
            after.AssertStatus(IppStatusCode.SuccessfulOk);
            long afterId = after.Job("job-id").Value.AsInt();

            // Nothing half-written: the document store holds exactly the jobs the queue knows, each with its document.
            var queueJobs = await JobIdsAsync(http, queueUri);
            Assert.Equal([.. held.Keys, afterId], queueJobs);
            Assert.Equal(queueJobs, StoredJobs(Path.Combine(data, SqliteDocumentsFile.FileName)));

            // The jobs accepted before the disk ran full print, byte for byte.
            foreach (var id in held.Keys)
            {
                var released = await SendAsync(http, "office", Request(IppOperation.ReleaseJob, queueUri)
                    .Op(IppAttribute.Integer("job-id", (int)id)).Op(IppAttribute.NameWithoutLanguage("requesting-user-name", "alice")), null);
                released.AssertStatus(IppStatusCode.SuccessfulOk);
            }

            var printed = await printer.WaitForJobsAsync(held.Count + 1, TimeSpan.FromSeconds(60));
            foreach (var document in held.Values)
                Assert.Contains(printed, job => job.Data!.AsSpan().SequenceEqual(document));
        }
        finally
        {
            Unmount(mount.Path);
        }
    }

    /// <summary>
    /// The journal's file (actorspool.db, here a symbolic link to a 4 MiB tmpfs) runs full while documents.db still
    /// has room: the document is stored, the queue's persist fails. The client gets a server error, never
    /// successful-ok; the jobs accepted before print; intake works again once the journal's disk has room.
    /// </summary>
    [TmpfsFact]
    public async Task When_only_the_journal_runs_full_the_client_gets_a_server_error_and_intake_resumes_once_space_is_freed()
    {
        using var mount = new TempDirectory();
        using var journalDisk = new TempDirectory();
        Mount(mount.Path);
        Mount(journalDisk.Path, "4m");
        try
        {
            await using var printer = await Printers.SimulatorAsync("lj-1");
            var data = Directory.CreateDirectory(Path.Combine(mount.Path, "data")).FullName;
            var journal = Path.Combine(journalDisk.Path, "actorspool.db");
            using (var create = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={journal};Pooling=False"))
            {
                create.Open();
                using var wal = create.CreateCommand();
                wal.CommandText = "PRAGMA journal_mode = WAL"; // writes the header: an empty file would be refused as truncated
                wal.ExecuteNonQuery();
            }

            File.CreateSymbolicLink(Path.Combine(data, "actorspool.db"), journal); // SQLite keeps the -wal beside the link's target
            var printers = Printers.WriteFile(mount.Path, [printer], "  office { printers = [lj-1] }");
            await using var node = await InProcessNode.StartAsync(InProcessNode.Options(data, printers), "actorspool.limits.min-free-disk = 0");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.IppPort}/"), Timeout = TimeSpan.FromMinutes(3) };
            var queueUri = node.QueueUri("office").ToString();
            var before = new List<long>();
            for (var i = 0; i < 3; i++)
            {
                var accepted = await PrintAsync(http, node, "office", TextDocument);
                accepted.AssertStatus(IppStatusCode.SuccessfulOk);
                before.Add(accepted.Job("job-id").Value.AsInt());
            }

            await printer.WaitForJobsAsync(before.Count, TimeSpan.FromSeconds(60));
            var filler = Path.Combine(journalDisk.Path, "filler");
            await FillAsync(filler, long.MaxValue);
            var refused = await PrintAsync(http, node, "office", TextDocument);
            // At once, from the queue whose journal write failed (not after the client's patience), and never successful-ok.
            refused.AssertStatus(IppStatusCode.ServerErrorTemporaryError);
            Assert.Contains("the spool disk is full", refused.StatusMessage());

            File.Delete(filler);
            var after = await Eventually.ValueAsync(() => PrintAsync(http, node, "office", TextDocument),
                response => response.Status == IppStatusCode.SuccessfulOk, TimeSpan.FromSeconds(60), "a submission accepted once the journal has room");
            var listed = await JobIdsAsync(http, queueUri);
            Assert.All([.. before, after.Job("job-id").Value.AsInt()], id => Assert.Contains(id, listed));
            await printer.WaitForJobsAsync(before.Count + 1, TimeSpan.FromSeconds(60));
        }
        finally
        {
            Unmount(journalDisk.Path);
            Unmount(mount.Path);
        }
    }

    private static void AssertDiskFull(IppMessage response)
    {
        response.AssertStatus(IppStatusCode.ServerErrorTemporaryError);
        Assert.Contains("the spool disk is full", response.StatusMessage());
    }

    private static byte[] Document(int size, byte fill)
    {
        var document = new byte[size];
        Array.Fill(document, fill);
        return document;
    }

    private static async Task<long[]> JobIdsAsync(HttpClient http, string queueUri)
    {
        var response = await SendAsync(http, "office", Request(IppOperation.GetJobs, queueUri).Op(IppAttribute.Keyword("which-jobs", "all")), null);
        response.AssertStatus(IppStatusCode.SuccessfulOk);
        return response.JobGroups().Select(g => (long)g.Find("job-id")!.Value.AsInt()).Order().ToArray();
    }

    /// <summary>Job rows of the documents file that have a document (read beside the running node).</summary>
    private static long[] StoredJobs(string documentsFile)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={documentsFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT j.job_id FROM spool_job j WHERE EXISTS (SELECT 1 FROM spool_document d WHERE d.job_id = j.job_id) " +
                              "UNION ALL SELECT -1 FROM spool_job j WHERE NOT EXISTS (SELECT 1 FROM spool_document d WHERE d.job_id = j.job_id) ORDER BY 1";
        using var reader = command.ExecuteReader();
        var ids = new List<long>();
        while (reader.Read()) ids.Add(reader.GetInt64(0));
        return [.. ids];
    }

    private static Task<IppMessage> PrintAsync(HttpClient http, InProcessNode node, string queue, byte[] document) =>
        SendAsync(http, queue, PrintJob(printerUri: node.QueueUri(queue).ToString()), document);

    private static async Task<IppMessage> SendAsync(HttpClient http, string queue, IppMessage request, byte[]? document)
    {
        using var content = new ByteArrayContent(Encode(request, document));
        content.Headers.ContentType = new MediaTypeHeaderValue(IppEndpoints.ContentType);
        using var response = await http.PostAsync($"/printers/{queue}", content);
        return IppParser.Parse(await response.Content.ReadAsByteArrayAsync(), out _);
    }

    /// <summary>Writes <paramref name="bytes"/> to a new file, or as much as fits when the file system runs full first.</summary>
    private static async Task FillAsync(string path, long bytes)
    {
        var chunk = new byte[MiB];
        Array.Fill(chunk, (byte)0x5A);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var size = chunk.Length;
        for (long written = 0; written < bytes && size > 0;)
        {
            try
            {
                var length = (int)Math.Min(size, bytes - written);
                await file.WriteAsync(chunk.AsMemory(0, length));
                written += length;
            }
            catch (IOException e) when (StorageFullException.IsDiskFull(e))
            {
                size /= 2; // full for this size: the rest in smaller pieces, down to the last page
            }
        }
    }

    internal static void Mount(string path, string size = "48m") => Run("mount", $"-t tmpfs -o size={size} tmpfs {path}");

    // Lazy: SQLite's pooled connections of the stopped node may hold the database open a moment longer.
    internal static void Unmount(string path)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Run("umount", $"-l {path}");
    }

    private static void Run(string command, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{command} {arguments}: exit {process.ExitCode}: {error}");
    }
}

/// <summary>Runs only where a tmpfs can be mounted (root with CAP_SYS_ADMIN); elsewhere it is skipped and says why.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = "mounting a size-limited tmpfs for the spool disk needs root";
            return;
        }

        var probe = Path.Combine(Path.GetTempPath(), "actorspool-tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(probe);
        try
        {
            SpoolDiskTests.Mount(probe);
            SpoolDiskTests.Unmount(probe);
        }
        catch (Exception e)
        {
            Skip = $"cannot mount a tmpfs here ({e.Message.Trim()})";
        }
        finally
        {
            Directory.Delete(probe);
        }
    }
}
