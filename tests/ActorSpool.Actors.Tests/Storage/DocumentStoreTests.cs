using System.Security.Cryptography;
using ActorSpool.Actors.Storage;

namespace ActorSpool.Actors.Tests.Storage;

/// <summary>
/// Behaviour suite every <see cref="IDocumentStore"/> must pass. Each test gets its own, freshly initialized database
/// (derived classes provide it) and a store instance in <see cref="Store"/>.
/// </summary>
public abstract partial class DocumentStoreTests : IAsyncLifetime
{
    protected const int Chunk = DocumentStoreLimits.ChunkSize;
    private const string Pdf = "application/pdf";

    private IDocumentStore? _store;

    protected IDocumentStore Store => _store ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>A new store instance on this test's database (same connection string every time).</summary>
    /// <param name="jobIdBlockSize">Job ids reserved at once, or null for the store's default.</param>
    protected abstract IDocumentStore NewStore(int? jobIdBlockSize = null);

    /// <summary>Counts rows of a storage table directly in the database, optionally only those of one job.</summary>
    protected abstract Task<long> CountRowsAsync(string table, long? jobId = null);

    public virtual async Task InitializeAsync()
    {
        _store = NewStore();
        await _store.InitializeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    public static TheoryData<int> RoundTripSizes => new()
    {
        0,
        1,
        Chunk,
        (3 * Chunk) + (Chunk / 2),
    };

    [Theory]
    [MemberData(nameof(RoundTripSizes))]
    public async Task Write_then_read_round_trips_byte_exact(int size)
    {
        var data = RandomBytes(size, seed: size);
        var job = await Store.AllocateJobIdAsync("office");

        var stored = await Store.WriteDocumentAsync(job, 1, new SmallReadStream(data, seed: 7), Pdf, "report.pdf", maxBytes: 10 * Chunk, allowEmpty: size == 0);

        var expected = new StoredDocument(job, 1, size, Pdf, "report.pdf", Sha256Hex(data));
        Assert.Equal(expected, stored);
        Assert.Equal([expected], await Store.ListDocumentsAsync(job));
        Assert.Equal(data, await ReadAllAsync(job, 1));
        Assert.Equal((size + Chunk - 1) / Chunk, await CountRowsAsync("spool_document_chunk", job));
    }

    [Fact]
    public async Task Read_stream_supports_synchronous_reads_and_reports_length()
    {
        var data = RandomBytes(Chunk + 12345, seed: 1);
        var job = await Store.AllocateJobIdAsync("office");
        await Store.WriteDocumentAsync(job, 1, new SmallReadStream(data, seed: 3), Pdf, null, maxBytes: long.MaxValue);

        await using var stream = await Store.OpenReadAsync(job, 1);
        Assert.True(stream.CanRead);
        Assert.False(stream.CanWrite);
        Assert.Equal(data.Length, stream.Length);
        using var copy = new MemoryStream();
        var buffer = new byte[4000];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task First_job_id_is_1_and_ids_increase()
    {
        var first = await Store.AllocateJobIdAsync("a");
        var second = await Store.AllocateJobIdAsync("b");
        var third = await Store.AllocateJobIdAsync("a");

        Assert.Equal(1, first);
        Assert.True(second > first);
        Assert.True(third > second);
        Assert.Equal("a", await Store.FindQueueOfJobAsync(first));
        Assert.Equal("b", await Store.FindQueueOfJobAsync(second));
        Assert.Null(await Store.FindQueueOfJobAsync(third + 1000));
    }

    [Fact]
    public async Task Job_ids_are_unique_and_increasing_under_50_parallel_allocations()
    {
        const int tasks = 50;
        const int perTask = 4;

        var results = await Task.WhenAll(Enumerable.Range(0, tasks).Select(i => Task.Run(async () =>
        {
            var ids = new List<(long Id, string Queue)>();
            for (var n = 0; n < perTask; n++)
            {
                var queue = $"q{i}";
                ids.Add((await Store.AllocateJobIdAsync(queue), queue));
            }

            return ids;
        })));

        foreach (var ids in results)
        {
            for (var n = 1; n < ids.Count; n++)
            {
                Assert.True(ids[n].Id > ids[n - 1].Id, $"ids of one caller must increase: {string.Join(", ", ids)}");
            }
        }

        var all = results.SelectMany(ids => ids).ToList();
        Assert.Equal(tasks * perTask, all.Select(x => x.Id).Distinct().Count());
        Assert.All(all, x => Assert.True(x.Id >= 1));
        Assert.True(await Store.AllocateJobIdAsync("later") > all.Max(x => x.Id));
        foreach (var (id, queue) in all.Take(10))
        {
            Assert.Equal(queue, await Store.FindQueueOfJobAsync(id));
        }
    }

    [Fact]
    public async Task Too_large_document_leaves_nothing_behind_and_the_next_write_works()
    {
        var limit = Chunk + (Chunk / 2);
        var job = await Store.AllocateJobIdAsync("office");

        var error = await Assert.ThrowsAsync<DocumentTooLargeException>(() =>
            Store.WriteDocumentAsync(job, 1, new SmallReadStream(RandomBytes(3 * Chunk, seed: 9), seed: 1), Pdf, "big.pdf", maxBytes: limit));

        Assert.Equal(limit, error.Limit);
        Assert.Empty(await Store.ListDocumentsAsync(job));
        Assert.Equal(0, await CountRowsAsync("spool_document"));
        Assert.Equal(0, await CountRowsAsync("spool_document_chunk"));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.OpenReadAsync(job, 1));

        // Exactly at the limit is fine, on the same job and document number.
        var data = RandomBytes(limit, seed: 10);
        var stored = await Store.WriteDocumentAsync(job, 1, new SmallReadStream(data, seed: 2), Pdf, "ok.pdf", maxBytes: limit);
        Assert.Equal(limit, stored.Length);
        Assert.Equal(data, await ReadAllAsync(job, 1));
    }

    [Fact]
    public async Task Too_large_replacement_keeps_the_previous_document()
    {
        var job = await Store.AllocateJobIdAsync("office");
        var original = RandomBytes(1000, seed: 4);
        await Store.WriteDocumentAsync(job, 1, new MemoryStream(original), Pdf, "v1", maxBytes: 2000);

        await Assert.ThrowsAsync<DocumentTooLargeException>(() =>
            Store.WriteDocumentAsync(job, 1, new MemoryStream(RandomBytes(3000, seed: 5)), Pdf, "v2", maxBytes: 2000));

        var document = Assert.Single(await Store.ListDocumentsAsync(job));
        Assert.Equal("v1", document.Name);
        Assert.Equal(original, await ReadAllAsync(job, 1));
    }

    [Fact]
    public async Task Empty_document_is_rejected_unless_allowed()
    {
        var job = await Store.AllocateJobIdAsync("office");

        await Assert.ThrowsAsync<EmptyDocumentException>(() =>
            Store.WriteDocumentAsync(job, 1, new MemoryStream([]), Pdf, null, maxBytes: Chunk));

        Assert.Empty(await Store.ListDocumentsAsync(job));
        Assert.Equal(0, await CountRowsAsync("spool_document"));

        var stored = await Store.WriteDocumentAsync(job, 1, new MemoryStream([]), Pdf, null, maxBytes: Chunk, allowEmpty: true);
        Assert.Equal(0, stored.Length);
        Assert.Equal(Sha256Hex([]), stored.Sha256Hex);
        Assert.Empty(await ReadAllAsync(job, 1));
    }

    [Fact]
    public async Task Multi_document_job_lists_documents_in_order()
    {
        var job = await Store.AllocateJobIdAsync("office");
        var contents = new Dictionary<int, byte[]>
        {
            [3] = RandomBytes(Chunk + 1, seed: 3),
            [1] = RandomBytes(10, seed: 1),
            [2] = RandomBytes(Chunk * 2, seed: 2),
        };

        // Written out of order on purpose.
        await Store.WriteDocumentAsync(job, 3, new SmallReadStream(contents[3], seed: 3), "application/postscript", "three.ps", maxBytes: long.MaxValue);
        await Store.WriteDocumentAsync(job, 1, new SmallReadStream(contents[1], seed: 1), "text/plain", null, maxBytes: long.MaxValue);
        await Store.WriteDocumentAsync(job, 2, new SmallReadStream(contents[2], seed: 2), Pdf, "two.pdf", maxBytes: long.MaxValue);
        var otherJob = await Store.AllocateJobIdAsync("office");
        await Store.WriteDocumentAsync(otherJob, 1, new MemoryStream([1, 2, 3]), Pdf, "other", maxBytes: 10);

        var documents = await Store.ListDocumentsAsync(job);

        Assert.Equal(
            [
                new StoredDocument(job, 1, 10, "text/plain", null, Sha256Hex(contents[1])),
                new StoredDocument(job, 2, Chunk * 2, Pdf, "two.pdf", Sha256Hex(contents[2])),
                new StoredDocument(job, 3, Chunk + 1, "application/postscript", "three.ps", Sha256Hex(contents[3])),
            ],
            documents);
        foreach (var (number, content) in contents)
        {
            Assert.Equal(content, await ReadAllAsync(job, number));
        }
    }

    [Fact]
    public async Task Writing_the_same_document_number_again_replaces_it()
    {
        var job = await Store.AllocateJobIdAsync("office");
        await Store.WriteDocumentAsync(job, 1, new MemoryStream(RandomBytes(3 * Chunk, seed: 1)), Pdf, "first", maxBytes: long.MaxValue);
        var second = RandomBytes(100, seed: 2);

        await Store.WriteDocumentAsync(job, 1, new MemoryStream(second), "text/plain", "second", maxBytes: long.MaxValue);

        var document = Assert.Single(await Store.ListDocumentsAsync(job));
        Assert.Equal(new StoredDocument(job, 1, 100, "text/plain", "second", Sha256Hex(second)), document);
        Assert.Equal(second, await ReadAllAsync(job, 1));
        Assert.Equal(1, await CountRowsAsync("spool_document_chunk", job));
    }

    [Fact]
    public async Task Concurrent_writes_of_the_same_document_both_succeed_and_one_wins_intact()
    {
        var job = await Store.AllocateJobIdAsync("office");
        var a = RandomBytes(2 * Chunk, seed: 11);
        var b = RandomBytes(Chunk + 7, seed: 12);

        await Task.WhenAll(
            Task.Run(() => Store.WriteDocumentAsync(job, 1, new SmallReadStream(a, seed: 1), Pdf, "a", maxBytes: long.MaxValue)),
            Task.Run(() => Store.WriteDocumentAsync(job, 1, new SmallReadStream(b, seed: 2), Pdf, "b", maxBytes: long.MaxValue)));

        var document = Assert.Single(await Store.ListDocumentsAsync(job));
        Assert.Equal(document.Name == "a" ? a : b, await ReadAllAsync(job, 1));
        Assert.Equal(2, await CountRowsAsync("spool_document_chunk", job)); // both versions are 2 chunks long; no mix
    }

    [Fact]
    public async Task Delete_removes_documents_chunks_and_job_row()
    {
        var doomed = await Store.AllocateJobIdAsync("office");
        var kept = await Store.AllocateJobIdAsync("office");
        var keptData = RandomBytes(Chunk + 5, seed: 2);
        await Store.WriteDocumentAsync(doomed, 1, new MemoryStream(RandomBytes(2 * Chunk + 1, seed: 1)), Pdf, null, maxBytes: long.MaxValue);
        await Store.WriteDocumentAsync(doomed, 2, new MemoryStream(RandomBytes(10, seed: 3)), Pdf, null, maxBytes: long.MaxValue);
        await Store.WriteDocumentAsync(kept, 1, new MemoryStream(keptData), Pdf, null, maxBytes: long.MaxValue);

        await Store.DeleteJobAsync(doomed);

        Assert.Empty(await Store.ListDocumentsAsync(doomed));
        Assert.Null(await Store.FindQueueOfJobAsync(doomed));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.OpenReadAsync(doomed, 1));
        Assert.Equal(0, await CountRowsAsync("spool_document_chunk", doomed));
        Assert.Equal(0, await CountRowsAsync("spool_document", doomed));
        Assert.Equal(0, await CountRowsAsync("spool_job", doomed));

        Assert.Equal("office", await Store.FindQueueOfJobAsync(kept));
        Assert.Equal(keptData, await ReadAllAsync(kept, 1));

        await Store.DeleteJobAsync(doomed); // deleting again (or an unknown job) is a no-op
        await Store.DeleteJobAsync(999_999);
        Assert.True(await Store.AllocateJobIdAsync("office") > kept, "ids are never reused");
    }

    [Fact]
    public async Task Data_survives_closing_and_reopening_the_store()
    {
        var job = await Store.AllocateJobIdAsync("accounting");
        var data = RandomBytes((2 * Chunk) + 99, seed: 5);
        await Store.WriteDocumentAsync(job, 1, new SmallReadStream(data, seed: 5), Pdf, "ledger.pdf", maxBytes: long.MaxValue);

        var reopened = NewStore();
        await reopened.InitializeAsync();

        Assert.Equal("accounting", await reopened.FindQueueOfJobAsync(job));
        var document = Assert.Single(await reopened.ListDocumentsAsync(job));
        Assert.Equal(new StoredDocument(job, 1, data.Length, Pdf, "ledger.pdf", Sha256Hex(data)), document);
        await using (var stream = await reopened.OpenReadAsync(job, 1))
        {
            Assert.Equal(data, await ReadAllAsync(stream));
        }

        Assert.True(await reopened.AllocateJobIdAsync("accounting") > job);
    }

    [Fact]
    public async Task Initialize_is_idempotent_and_safe_to_run_concurrently()
    {
        var job = await Store.AllocateJobIdAsync("office");

        await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Task.Run(() => NewStore().InitializeAsync())));
        await Store.InitializeAsync();

        Assert.Equal("office", await Store.FindQueueOfJobAsync(job));
    }

    [Fact]
    public async Task Fifty_concurrent_writers_all_succeed()
    {
        const int writers = 50;
        var jobs = new long[writers];
        for (var i = 0; i < writers; i++)
        {
            jobs[i] = await Store.AllocateJobIdAsync("busy");
        }

        var contents = Enumerable.Range(0, writers).Select(i => RandomBytes((Chunk / 2) + (i * 9973), seed: 100 + i)).ToArray();

        var stored = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() =>
            Store.WriteDocumentAsync(jobs[i], 1, new SmallReadStream(contents[i], seed: i), Pdf, $"doc{i}", maxBytes: 4 * Chunk))));

        for (var i = 0; i < writers; i++)
        {
            Assert.Equal(new StoredDocument(jobs[i], 1, contents[i].Length, Pdf, $"doc{i}", Sha256Hex(contents[i])), stored[i]);
            Assert.Equal(stored[i], Assert.Single(await Store.ListDocumentsAsync(jobs[i])));
        }

        Assert.Equal(contents[^1], await ReadAllAsync(jobs[^1], 1));
        Assert.Equal(contents.Sum(c => (long)((c.Length + Chunk - 1) / Chunk)), await CountRowsAsync("spool_document_chunk"));
    }

    [Fact]
    public async Task Jobs_created_before_a_cutoff_are_listed_with_their_queue()
    {
        var office = await Store.AllocateJobIdAsync("office");
        var lab = await Store.AllocateJobIdAsync("lab");
        await Store.WriteDocumentAsync(lab, 1, new MemoryStream(RandomBytes(10, seed: 1)), Pdf, null, maxBytes: 1000);

        Assert.Empty(await Store.ListJobsCreatedBeforeAsync(DateTimeOffset.UtcNow.AddDays(-1)));
        Assert.Equal([new AgedJob(office, "office"), new AgedJob(lab, "lab")], await Store.ListJobsCreatedBeforeAsync(DateTimeOffset.UtcNow.AddMinutes(5)));
    }

    [Fact]
    public async Task Delete_orphans_removes_only_old_unknown_jobs()
    {
        var unknown1 = await Store.AllocateJobIdAsync("office");
        var known = await Store.AllocateJobIdAsync("office");
        var unknown2 = await Store.AllocateJobIdAsync("office");
        foreach (var job in (long[])[unknown1, known, unknown2])
        {
            await Store.WriteDocumentAsync(job, 1, new MemoryStream(RandomBytes(100, seed: (int)job)), Pdf, null, maxBytes: 1000);
        }

        Assert.Equal(0, await Store.DeleteOrphansOlderThanAsync(DateTimeOffset.UtcNow.AddDays(-1), _ => false));
        var deleted = await Store.DeleteOrphansOlderThanAsync(DateTimeOffset.UtcNow.AddMinutes(5), id => id == known);

        Assert.Equal(2, deleted);
        Assert.Null(await Store.FindQueueOfJobAsync(unknown1));
        Assert.Null(await Store.FindQueueOfJobAsync(unknown2));
        Assert.Empty(await Store.ListDocumentsAsync(unknown1));
        Assert.Equal("office", await Store.FindQueueOfJobAsync(known));
        Assert.Single(await Store.ListDocumentsAsync(known));
        Assert.Equal(1, await CountRowsAsync("spool_document_chunk"));
    }

    [Fact]
    public async Task Opening_a_missing_document_throws_DocumentNotFoundException()
    {
        var job = await Store.AllocateJobIdAsync("office");

        var error = await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.OpenReadAsync(job, 1));

        Assert.Equal(job, error.JobId);
        Assert.IsAssignableFrom<KeyNotFoundException>(error);
    }

    protected async Task<byte[]> ReadAllAsync(long jobId, int documentNumber)
    {
        await using var stream = await Store.OpenReadAsync(jobId, documentNumber);
        return await ReadAllAsync(stream);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream)
    {
        using var copy = new MemoryStream();
        var buffer = new byte[1000]; // small reads on purpose: crosses chunk boundaries mid-buffer
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }

    protected static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Sha256Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));
}
