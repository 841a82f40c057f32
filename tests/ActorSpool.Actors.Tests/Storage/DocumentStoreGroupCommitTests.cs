using ActorSpool.Actors.Storage;
using ActorSpool.TestSupport;

namespace ActorSpool.Actors.Tests.Storage;

/// <summary>Group commit, job ids in blocks and <see cref="IDocumentStore.WriteJobAsync"/>, for every store.</summary>
public abstract partial class DocumentStoreTests
{
    private const int Small = 4096;

    /// <summary>How many transactions the store's writer runs at once.</summary>
    protected virtual int ConcurrentBatches => 1;

    /// <summary>The group-commit counters of a store created by <see cref="NewStore"/>.</summary>
    protected abstract GroupCommitStatistics StatisticsOf(IDocumentStore store);

    /// <summary>
    /// Takes the database's write lock (or the table locks writes need) from a foreign connection, as a busy journal
    /// would, until disposed: the store's writer then blocks in its current transaction and later writes queue up.
    /// </summary>
    protected abstract Task<IAsyncDisposable> HoldWriteLockAsync();

    /// <summary>Makes every insert of a document named <c>poison</c> fail in the database (with "poison" in the message).</summary>
    protected abstract Task InstallPoisonTriggerAsync();

    /// <summary>Inserts a job row the way versions before id blocks did (counter/identity default) and returns its id.</summary>
    protected abstract Task<long> InsertJobRowAsOlderVersionsDidAsync(string queue);

    [Fact]
    public async Task Two_hundred_parallel_writes_are_all_stored_intact()
    {
        const int writers = 200;
        var jobs = await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(() => Store.AllocateJobIdAsync("busy"))));
        var contents = Enumerable.Range(0, writers).Select(i => RandomBytes(Small + i, seed: 1000 + i)).ToArray();
        var before = StatisticsOf(Store);

        var stored = await Task.WhenAll(Enumerable.Range(0, writers).Select(i => Task.Run(() =>
            Store.WriteDocumentAsync(jobs[i], 1, new SmallReadStream(contents[i], seed: i), Pdf, $"doc{i}", maxBytes: Chunk))));

        Assert.Equal(writers, jobs.Distinct().Count());
        for (var i = 0; i < writers; i++)
        {
            var expected = new StoredDocument(jobs[i], 1, contents[i].Length, Pdf, $"doc{i}", Sha256Hex(contents[i]));
            Assert.Equal(expected, stored[i]);
            Assert.Equal(expected, Assert.Single(await Store.ListDocumentsAsync(jobs[i])));
            Assert.Equal(contents[i], await ReadAllAsync(jobs[i], 1));
        }

        Assert.Equal(writers, StatisticsOf(Store).Writes - before.Writes);
        Assert.Equal(writers, await CountRowsAsync("spool_document_chunk"));
    }

    [Fact]
    public async Task Writes_that_arrive_while_a_transaction_is_open_share_the_next_commit()
    {
        // A block large enough that no id reservation has to wait for the held lock (SQLite reserves through the writer).
        var store = NewStore(jobIdBlockSize: 1000);
        const int documents = 50;
        const int jobs = 50;
        const int allocations = 20;
        var existing = new long[documents];
        for (var i = 0; i < documents; i++)
        {
            existing[i] = await store.AllocateJobIdAsync("office");
        }

        var contents = Enumerable.Range(0, documents + jobs).Select(i => RandomBytes(Small, seed: 2000 + i)).ToArray();
        var before = StatisticsOf(store);

        Task<StoredDocument[]> documentWrites;
        Task<StoredDocument[]> jobWrites;
        Task<long[]> allocated;
        await using (await HoldWriteLockAsync())
        {
            documentWrites = Task.WhenAll(Enumerable.Range(0, documents).Select(i =>
                store.WriteDocumentAsync(existing[i], 1, new MemoryStream(contents[i]), Pdf, null, maxBytes: Chunk)));
            jobWrites = Task.WhenAll(Enumerable.Range(documents, jobs).Select(i =>
                store.WriteJobAsync("office", new MemoryStream(contents[i]), Pdf, $"job{i}", maxBytes: Chunk)));
            allocated = Task.WhenAll(Enumerable.Range(0, allocations).Select(_ => store.AllocateJobIdAsync("office")));
            await Eventually.WaitUntilAsync(
                () => StatisticsOf(store).Enqueued - before.Enqueued == documents + jobs + allocations,
                "all writes handed to the writer");
            Assert.Equal(0, StatisticsOf(store).Transactions - before.Transactions);
        }

        var storedDocuments = await documentWrites;
        var storedJobs = await jobWrites;
        var ids = await allocated;

        var after = StatisticsOf(store);
        Assert.Equal(documents + jobs + allocations, after.Writes - before.Writes);
        // The writer may have started its first transaction(s) with the earliest writes before the rest arrived;
        // all others waited for those and then went together.
        Assert.InRange(after.Transactions - before.Transactions, 1, ConcurrentBatches + 1);

        for (var i = 0; i < documents; i++)
        {
            Assert.Equal(contents[i], await ReadAllAsync(existing[i], 1));
            Assert.Equal(existing[i], storedDocuments[i].JobId);
        }

        for (var i = 0; i < jobs; i++)
        {
            var stored = storedJobs[i];
            Assert.Equal("office", await Store.FindQueueOfJobAsync(stored.JobId));
            Assert.Equal(stored, Assert.Single(await Store.ListDocumentsAsync(stored.JobId)));
            Assert.Equal(contents[documents + i], await ReadAllAsync(stored.JobId, 1));
        }

        var all = existing.Concat(storedJobs.Select(j => j.JobId)).Concat(ids).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        foreach (var id in ids)
        {
            Assert.Equal("office", await Store.FindQueueOfJobAsync(id));
        }

        await ((IAsyncDisposable)store).DisposeAsync();
    }

    [Fact]
    public async Task A_write_that_fails_in_the_database_does_not_fail_the_writes_sharing_its_transaction()
    {
        await InstallPoisonTriggerAsync();
        const int writers = 20;
        const int poisoned = 7;
        var jobs = new long[writers];
        for (var i = 0; i < writers; i++)
        {
            jobs[i] = await Store.AllocateJobIdAsync("office");
        }

        var contents = Enumerable.Range(0, writers).Select(i => RandomBytes(Small, seed: 3000 + i)).ToArray();
        var before = StatisticsOf(Store);

        Task<StoredDocument>[] writes;
        await using (await HoldWriteLockAsync())
        {
            writes = Enumerable.Range(0, writers).Select(i =>
                Store.WriteDocumentAsync(jobs[i], 1, new MemoryStream(contents[i]), Pdf, i == poisoned ? "poison" : $"doc{i}", maxBytes: Chunk)).ToArray();
            await Eventually.WaitUntilAsync(() => StatisticsOf(Store).Enqueued - before.Enqueued == writers, "all writes handed to the writer");
        }

        var error = await Assert.ThrowsAnyAsync<Exception>(() => writes[poisoned]);
        Assert.Contains("poison", error.Message, StringComparison.OrdinalIgnoreCase);
        for (var i = 0; i < writers; i++)
        {
            if (i == poisoned)
            {
                continue;
            }

            Assert.Equal(contents[i].Length, (await writes[i]).Length);
            Assert.Equal(contents[i], await ReadAllAsync(jobs[i], 1));
        }

        Assert.Empty(await Store.ListDocumentsAsync(jobs[poisoned]));
        Assert.Equal(writers - 1, await CountRowsAsync("spool_document"));
        Assert.Equal(writers - 1, StatisticsOf(Store).Writes - before.Writes);
    }

    [Fact]
    public async Task A_write_cancelled_while_queued_is_not_stored_and_the_others_are()
    {
        var jobs = new long[3];
        for (var i = 0; i < jobs.Length; i++)
        {
            jobs[i] = await Store.AllocateJobIdAsync("office");
        }

        var first = RandomBytes(Small, seed: 1);
        var last = RandomBytes(Small, seed: 3);
        using var cancellation = new CancellationTokenSource();
        var firstWrites = new List<Task<StoredDocument>>();
        Task<StoredDocument> cancelledWrite;
        Task<StoredDocument> lastWrite;
        await using (await HoldWriteLockAsync())
        {
            // Each taken by the writer in a transaction of its own, which waits for the lock; once all of the
            // writer's transactions wait, what comes next stays queued.
            for (var number = 1; number <= ConcurrentBatches; number++)
            {
                var before = StatisticsOf(Store);
                firstWrites.Add(Store.WriteDocumentAsync(jobs[0], number, new MemoryStream(first), Pdf, null, maxBytes: long.MaxValue));
                await Eventually.WaitUntilAsync(
                    () => StatisticsOf(Store) is var now && now.Enqueued == before.Enqueued + 1 && now.Queued == 0,
                    "the write taken by the writer");
            }

            cancelledWrite = Store.WriteDocumentAsync(jobs[1], 1, new MemoryStream(RandomBytes(Small, seed: 2)), Pdf, null, maxBytes: long.MaxValue, ct: cancellation.Token);
            lastWrite = Store.WriteDocumentAsync(jobs[2], 1, new MemoryStream(last), Pdf, null, maxBytes: long.MaxValue);
            await Eventually.WaitUntilAsync(() => StatisticsOf(Store).Queued == 2, "the later writes queued");
            await cancellation.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelledWrite);
        }

        await Task.WhenAll(firstWrites);
        await lastWrite;
        Assert.Equal(first, await ReadAllAsync(jobs[0], ConcurrentBatches));
        Assert.Empty(await Store.ListDocumentsAsync(jobs[1]));
        Assert.Equal(last, await ReadAllAsync(jobs[2], 1));
    }

    [Fact]
    public async Task Disposing_a_store_commits_the_writes_already_queued_and_rejects_new_ones()
    {
        var store = NewStore();
        var job = await store.AllocateJobIdAsync("office");
        var data = RandomBytes(Small, seed: 5);
        Task<StoredDocument> write;
        Task disposal;
        await using (await HoldWriteLockAsync())
        {
            write = store.WriteDocumentAsync(job, 1, new MemoryStream(data), Pdf, null, maxBytes: Chunk);
            disposal = ((IAsyncDisposable)store).DisposeAsync().AsTask();
        }

        await disposal;
        Assert.Equal(data.Length, (await write).Length);
        Assert.Equal(data, await ReadAllAsync(job, 1));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.AllocateJobIdAsync("office"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.WriteDocumentAsync(job, 2, new MemoryStream(data), Pdf, null, maxBytes: Chunk));
    }

    [Fact]
    public async Task Job_ids_are_never_reused_after_a_crash()
    {
        var before = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            before.Add(await Store.AllocateJobIdAsync("office"));
        }

        before.Add((await Store.WriteJobAsync("office", new MemoryStream([1, 2, 3]), Pdf, null, maxBytes: Chunk)).JobId);

        // A crash: the old instance is neither disposed nor asked to give back the unused rest of its block.
        var restarted = NewStore();
        await restarted.InitializeAsync();
        var afterRestart = await restarted.AllocateJobIdAsync("office");
        var secondRestart = NewStore();
        var afterSecondRestart = (await secondRestart.WriteJobAsync("office", new MemoryStream([4]), Pdf, null, maxBytes: Chunk)).JobId;

        Assert.True(afterRestart > before.Max(), $"{afterRestart} must be above {string.Join(", ", before)}");
        Assert.True(afterSecondRestart > afterRestart, $"{afterSecondRestart} must be above {afterRestart}");

        // The "crashed" instance, still running, goes on with its own block without colliding.
        var stillRunning = await Store.AllocateJobIdAsync("office");
        Assert.True(stillRunning > before.Max());
        Assert.Equal(7, before.Append(afterRestart).Append(afterSecondRestart).Append(stillRunning).Distinct().Count());
    }

    [Fact]
    public async Task Two_store_instances_allocating_in_parallel_get_distinct_increasing_ids()
    {
        // Small blocks, so that both instances reserve many times while the other one is allocating.
        IDocumentStore[] stores = [NewStore(jobIdBlockSize: 3), NewStore(jobIdBlockSize: 3)];
        const int callersPerStore = 8;
        const int perCaller = 12;

        var results = await Task.WhenAll(Enumerable.Range(0, 2 * callersPerStore).Select(caller => Task.Run(async () =>
        {
            var store = stores[caller % 2];
            var ids = new List<long>();
            for (var n = 0; n < perCaller; n++)
            {
                ids.Add(n % 3 == 0
                    ? (await store.WriteJobAsync($"q{caller}", new MemoryStream([(byte)n]), Pdf, null, maxBytes: Chunk)).JobId
                    : await store.AllocateJobIdAsync($"q{caller}"));
            }

            return (Caller: caller, Ids: ids);
        })));

        var all = results.SelectMany(r => r.Ids).ToList();
        Assert.Equal(2 * callersPerStore * perCaller, all.Distinct().Count());
        foreach (var (caller, ids) in results)
        {
            Assert.True(ids.SequenceEqual(ids.Order()), $"ids of one caller must increase: {string.Join(", ", ids)}");
            Assert.Equal($"q{caller}", await Store.FindQueueOfJobAsync(ids[0]));
            Assert.Equal($"q{caller}", await Store.FindQueueOfJobAsync(ids[^1]));
        }

        Assert.Equal(all.Count, await CountRowsAsync("spool_job"));
        foreach (var store in stores)
        {
            await ((IAsyncDisposable)store).DisposeAsync();
        }
    }

    [Fact]
    public async Task Job_ids_continue_above_those_of_older_versions_and_never_meet_theirs()
    {
        // A database written by a version before id blocks, whose newest job was already deleted.
        var old = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            old.Add(await InsertJobRowAsOlderVersionsDidAsync("legacy"));
        }

        await Store.DeleteJobAsync(old[^1]);

        var first = await Store.AllocateJobIdAsync("office");
        Assert.True(first > old.Max(), $"{first} must be above {string.Join(", ", old)}");

        // An older node still running against the same database (rolling upgrade) draws from the same counter.
        var legacy = await InsertJobRowAsOlderVersionsDidAsync("legacy");
        var second = await Store.AllocateJobIdAsync("office");
        var third = (await Store.WriteJobAsync("office", new MemoryStream([1]), Pdf, null, maxBytes: Chunk)).JobId;

        Assert.True(second > first && third > second);
        Assert.Equal(4, new[] { first, second, third, legacy }.Distinct().Count());
        Assert.Equal("legacy", await Store.FindQueueOfJobAsync(legacy));
        Assert.Equal("office", await Store.FindQueueOfJobAsync(third));
    }

    public static TheoryData<int> WriteJobSizes => new()
    {
        0,
        10,
        Chunk,
        (2 * Chunk) + 5,
    };

    [Theory]
    [MemberData(nameof(WriteJobSizes))]
    public async Task WriteJobAsync_records_the_job_and_its_first_document(int size)
    {
        var data = RandomBytes(size, seed: size);
        var previous = await Store.AllocateJobIdAsync("office");

        var stored = await Store.WriteJobAsync("accounting", new SmallReadStream(data, seed: 4), Pdf, "first.pdf", maxBytes: 4 * Chunk, allowEmpty: size == 0);

        Assert.True(stored.JobId > previous);
        Assert.Equal(new StoredDocument(stored.JobId, 1, size, Pdf, "first.pdf", Sha256Hex(data)), stored);
        Assert.Equal("accounting", await Store.FindQueueOfJobAsync(stored.JobId));
        Assert.Equal([stored], await Store.ListDocumentsAsync(stored.JobId));
        Assert.Equal(data, await ReadAllAsync(stored.JobId, 1));

        // Further documents of the job go through WriteDocumentAsync as before.
        await Store.WriteDocumentAsync(stored.JobId, 2, new MemoryStream([7]), Pdf, null, maxBytes: 1);
        Assert.Equal(2, (await Store.ListDocumentsAsync(stored.JobId)).Count);
    }

    [Fact]
    public async Task WriteJobAsync_with_a_rejected_document_leaves_no_job_behind()
    {
        await Assert.ThrowsAsync<DocumentTooLargeException>(() =>
            Store.WriteJobAsync("office", new SmallReadStream(RandomBytes(3 * Chunk, seed: 1), seed: 1), Pdf, null, maxBytes: 2 * Chunk));
        await Assert.ThrowsAsync<DocumentTooLargeException>(() =>
            Store.WriteJobAsync("office", new MemoryStream(RandomBytes(100, seed: 2)), Pdf, null, maxBytes: 99));
        await Assert.ThrowsAsync<EmptyDocumentException>(() =>
            Store.WriteJobAsync("office", new MemoryStream([]), Pdf, null, maxBytes: Chunk));

        Assert.Equal(0, await CountRowsAsync("spool_job"));
        Assert.Equal(0, await CountRowsAsync("spool_document"));
        Assert.Equal(0, await CountRowsAsync("spool_document_chunk"));
        var accepted = await Store.WriteJobAsync("office", new MemoryStream([1]), Pdf, null, maxBytes: 1);
        Assert.Equal("office", await Store.FindQueueOfJobAsync(accepted.JobId));
        Assert.Equal(1, await CountRowsAsync("spool_job"));
    }
}
