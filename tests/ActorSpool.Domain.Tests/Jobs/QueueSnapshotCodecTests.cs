using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorSpool.Domain.Jobs;

namespace ActorSpool.Domain.Tests.Jobs;

public sealed class QueueSnapshotCodecTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.FromHours(1));
    private const string Worker = "akka.tcp://actorspool@10.0.0.1:4053/system/sharding/spool-worker/7/spool-worker-7#1234";

    // Records holding arrays compare those by reference, so snapshots are compared as their JSON: every stored field.
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    private static void AssertSame(QueueSnapshot expected, QueueSnapshot actual) =>
        Assert.Equal(JsonSerializer.Serialize(expected, Json), JsonSerializer.Serialize(actual, Json));

    private static QueueSnapshot RoundTrip(QueueSnapshot snapshot) => QueueSnapshotCodec.Read(QueueSnapshotCodec.Write(snapshot));

    private static JobRecord Bare(long jobId, JobState state) =>
        new(jobId, "office", "alice", $"job {jobId}", 50, jobId, [new JobDocument(1, 512, "application/pdf", null)], T0.AddSeconds(jobId))
        {
            State = state,
        };

    private static JobRecord Full(long jobId, JobState state) =>
        new(jobId, "office", "bob", "quarterly report", 99, jobId,
            [new JobDocument(1, 52_000, "application/pdf", "report.pdf"), new JobDocument(2, 0, "text/plain", "")], T0)
        {
            State = state,
            Attempts = 3,
            Dispatches = 5,
            Printer = "lj-2",
            Worker = Worker,
            LastError = "connection refused",
            ProcessingAt = T0.AddMinutes(1),
            CompletedAt = T0.AddMinutes(2),
            CanceledBy = "operator",
            Incoming = true,
            LastDocumentAt = new DateTimeOffset(2026, 12, 2, 3, 0, 0, TimeSpan.FromHours(-5)),
            HoldUntil = HoldUntil.Weekend,
            ReleaseAt = new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.FromMinutes(330)),
            RestartedAfter = 2,
            Copies = new Copies(4, Uncollated: true),
            AttemptHistory =
            [
                new JobAttempt(4, "lj-1", "akka.tcp://actorspool@10.0.0.1:4053", T0.AddSeconds(10), T0.AddSeconds(11), AttemptOutcome.Failed, "connection refused"),
                new JobAttempt(5, "lj-2", null, null, null, null, null),
            ],
        };

    [Fact]
    public void Jobs_in_every_state_round_trip_with_their_optional_fields_set_and_unset()
    {
        var jobs = Enum.GetValues<JobState>()
            .SelectMany((state, i) => new[] { Bare(2 * i + 1, state), Full(2 * i + 2, state) })
            .ToArray();
        Assert.Contains(jobs, j => j.Documents.Length == 0 || j.Documents.Any(d => d.Name is null));

        foreach (var paused in new[] { false, true })
        {
            var snapshot = new QueueSnapshot(jobs, 1234) { Paused = paused };
            AssertSame(snapshot, RoundTrip(snapshot));
        }
    }

    [Fact]
    public void A_job_without_documents_and_extreme_values_round_trip()
    {
        var job = new JobRecord(long.MaxValue, "", "ö 😀 owner", "name\0with\nodd characters", int.MinValue, long.MinValue, [], DateTimeOffset.MinValue)
        {
            Attempts = int.MaxValue,
            Dispatches = -1,
            Copies = new Copies(0, Uncollated: false),
            ProcessingAt = DateTimeOffset.MaxValue,
            CompletedAt = new DateTimeOffset(DateTime.MinValue.AddHours(14), TimeSpan.FromHours(14)),
            ReleaseAt = new DateTimeOffset(DateTime.MaxValue.AddHours(-14), TimeSpan.FromHours(-14)),
        };
        var snapshot = new QueueSnapshot([job, job with { JobId = 0, Queue = "" }], long.MaxValue);

        var read = RoundTrip(snapshot);

        AssertSame(snapshot, read);
        Assert.Equal(DateTimeOffset.MaxValue.Ticks, read.Jobs[0].ProcessingAt!.Value.Ticks);
        Assert.Equal(TimeSpan.FromHours(-14), read.Jobs[0].ReleaseAt!.Value.Offset);
    }

    [Fact]
    public void An_empty_snapshot_round_trips()
    {
        var empty = new QueueSnapshot([], 1);

        var bytes = QueueSnapshotCodec.Write(empty);
        var read = QueueSnapshotCodec.Read(bytes);

        Assert.Empty(read.Jobs);
        Assert.Equal(1, read.NextSequence);
        Assert.False(read.Paused);
        Assert.True(QueueSnapshotCodec.Read(QueueSnapshotCodec.Write(empty with { Paused = true })).Paused);
        Assert.True(bytes.Length < 16, $"{bytes.Length} bytes");
    }

    /// <summary>
    /// Guards the codec against a property added later: every settable public property of a job, its documents and
    /// the snapshot is set, by reflection, to a value that is not its default, and must read back. A new property the
    /// codec does not carry reads as its default and fails here.
    /// </summary>
    [Fact]
    public void Every_settable_property_survives()
    {
        var samples = new SampleValues();
        var job = samples.Build<JobRecord>();
        var snapshot = samples.Build<QueueSnapshot>() with { Jobs = [job, samples.Build<JobRecord>()] };

        var read = RoundTrip(snapshot);

        // Innermost first, so a failure names the property itself rather than the array holding it.
        Assert.Equal(snapshot.Jobs.Length, read.Jobs.Length);
        for (var i = 0; i < snapshot.Jobs.Length; i++)
        {
            Assert.Equal(snapshot.Jobs[i].Documents.Length, read.Jobs[i].Documents.Length);
            for (var d = 0; d < snapshot.Jobs[i].Documents.Length; d++)
                AssertSameProperties(snapshot.Jobs[i].Documents[d], read.Jobs[i].Documents[d], $"job {i} document {d}");
            Assert.Equal(snapshot.Jobs[i].AttemptHistory.Length, read.Jobs[i].AttemptHistory.Length);
            for (var a = 0; a < snapshot.Jobs[i].AttemptHistory.Length; a++)
                AssertSameProperties(snapshot.Jobs[i].AttemptHistory[a], read.Jobs[i].AttemptHistory[a], $"job {i} attempt {a}");
            AssertSameProperties(snapshot.Jobs[i], read.Jobs[i], $"job {i}");
        }
        AssertSameProperties(snapshot, read, "snapshot");
        AssertSame(snapshot, read);
    }

    /// <summary>
    /// Format version 1 exactly as written before <see cref="Copies"/> was one value: three jobs, with
    /// uncollated copies, with collated ones, and with none asked for.
    /// </summary>
    private const string SnapshotOfVersion1 =
        "01010C030E01066F66666963650105616C69636501067265706F727464060202C0AC06010F6170706C69636174696F6E2F70"
        + "6466010A7265706F72742E7064660414010A746578742F706C61696E000018B9E14150DF087812020400068F0801046C6A2D"
        + "31013C616B6B612E7463703A2F2F6163746F7273706F6F6C4031302E302E302E313A343035332F757365722F73706F6F6C2D"
        + "776F726B65722D3123313233348008B4E44150DF0878806216E74150DF087810020103626F620106736C6964657378080102"
        + "802001166170706C69636174696F6E2F706F737473637269707400005E7C054250DF08780800000004800101056E69676874"
        + "120201056361726F6C01046D656D6F640A0102C8010701086D656D6F2E74787400A43F294250DF08780600000002003CB985"
        + "7B";

    [Fact]
    public void A_snapshot_written_before_reads_with_its_copies_and_is_written_again_byte_for_byte()
    {
        var at = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.FromHours(1));
        var copied = new JobRecord(7, "office", "alice", "report", 50, 3,
            [new JobDocument(1, 52_000, "application/pdf", "report.pdf"), new JobDocument(2, 10, "text/plain", null)], at)
        {
            State = JobState.Completed,
            Attempts = 1,
            Dispatches = 2,
            Printer = "lj-1",
            Worker = "akka.tcp://actorspool@10.0.0.1:4053/user/spool-worker-1#1234",
            ProcessingAt = at.AddSeconds(5),
            CompletedAt = at.AddSeconds(9),
            Copies = new Copies(3, Uncollated: true),
        };
        var plain = new JobRecord(8, "office", "bob", "slides", 60, 4, [new JobDocument(1, 2_048, "application/postscript", null)], at.AddMinutes(1))
        {
            State = JobState.PendingHeld,
            HoldUntil = "night",
            Copies = new Copies(2, Uncollated: false),
        };
        var one = new JobRecord(9, "office", "carol", "memo", 50, 5, [new JobDocument(1, 100, "text/plain", "memo.txt")], at.AddMinutes(2));
        var snapshot = new QueueSnapshot([copied, plain, one], 6) { Paused = true };

        var read = QueueSnapshotCodec.Read(Convert.FromHexString(SnapshotOfVersion1));

        AssertSame(snapshot, read);
        Assert.Equal([new Copies(3, Uncollated: true), new Copies(2, Uncollated: false), Copies.One], read.Jobs.Select(j => j.Copies));
        Assert.All(read.Jobs, j => Assert.Empty(j.AttemptHistory));
        // Version 2 adds only the attempt history: without one, a job is written as version 1 wrote it, so only the
        // version byte and the checksum differ.
        var written = Convert.ToHexString(QueueSnapshotCodec.Write(snapshot));
        Assert.Equal("02", written[..2]);
        Assert.Equal(SnapshotOfVersion1[2..^8], written[2..^8]);
    }

    [Fact]
    public void Attempt_histories_round_trip_and_a_version_1_snapshot_reads_with_none()
    {
        var at = new DateTimeOffset(2026, 12, 2, 8, 0, 0, TimeSpan.FromHours(1));
        const string node = "akka.tcp://actorspool@10.0.0.1:4053";
        var retried = Full(1, JobState.Completed) with
        {
            AttemptHistory =
            [
                new JobAttempt(1, "lj-1", node, at, at.AddSeconds(2), AttemptOutcome.Failed, "connection reset"),
                new JobAttempt(2, "lj-1", node, at.AddSeconds(3), at.AddSeconds(4), AttemptOutcome.Interrupted, "worker lost during delivery"),
                new JobAttempt(3, "lj-2", "akka.tcp://actorspool@10.0.0.2:4053", at.AddSeconds(5), at.AddSeconds(6), AttemptOutcome.Delivered, null),
            ],
        };
        var underWay = Bare(2, JobState.Processing) with { AttemptHistory = [new JobAttempt(1, "lj-2", node, at, null, null, null)] };
        var snapshot = new QueueSnapshot([retried, underWay, Bare(3, JobState.Pending)], 4);

        var bytes = QueueSnapshotCodec.Write(snapshot);
        var read = QueueSnapshotCodec.Read(bytes);

        Assert.Equal(QueueSnapshotCodec.FormatVersion, bytes[0]);
        AssertSame(snapshot, read);
        Assert.Equal<JobAttempt>(retried.AttemptHistory, read.Jobs[0].AttemptHistory);
        Assert.Equal<JobAttempt>(underWay.AttemptHistory, read.Jobs[1].AttemptHistory);
        Assert.Empty(read.Jobs[2].AttemptHistory);
        // The node is in the snapshot's string table once (and inside the one worker path that starts with it).
        Assert.Equal(2, Occurrences(bytes, Encoding.UTF8.GetBytes(node)));
        Assert.Same(read.Jobs[0].AttemptHistory[0].Node, read.Jobs[1].AttemptHistory[0].Node);

        var old = QueueSnapshotCodec.Read(Convert.FromHexString(SnapshotOfVersion1));
        Assert.Equal(3, old.Jobs.Length);
        Assert.All(old.Jobs, j => Assert.Empty(j.AttemptHistory));
        Assert.Equal(2, old.Jobs[0].Dispatches); // the record still tells the last dispatch
    }

    [Fact]
    public void A_version_1_snapshot_claiming_an_attempt_history_fails_loudly()
    {
        // Version 2 bytes of a job with a history, relabelled version 1 (checksum recomputed): version 1 had no such field.
        var bytes = QueueSnapshotCodec.Write(new QueueSnapshot([Full(1, JobState.Completed)], 2));
        bytes[0] = 1;
        var crc = uint.MaxValue;
        foreach (var b in bytes.AsSpan(0, bytes.Length - 4)) crc = System.Numerics.BitOperations.Crc32C(crc, b);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(bytes.Length - 4), ~crc);

        var e = Assert.Throws<InvalidDataException>(() => QueueSnapshotCodec.Read(bytes));
        Assert.Contains("job field mask", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(255)]
    public void An_unknown_format_version_fails_loudly(byte version)
    {
        var bytes = QueueSnapshotCodec.Write(new QueueSnapshot([Full(1, JobState.Pending)], 2));
        bytes[0] = version;

        var e = Assert.Throws<InvalidDataException>(() => QueueSnapshotCodec.Read(bytes));
        Assert.Contains($"format version {version}", e.Message);
    }

    [Fact]
    public void Every_truncation_fails_loudly()
    {
        var bytes = QueueSnapshotCodec.Write(new QueueSnapshot([Full(1, JobState.Processing), Bare(2, JobState.Pending)], 3));

        for (var length = 0; length < bytes.Length; length++)
        {
            var prefix = bytes.AsSpan(0, length).ToArray();
            Assert.Throws<InvalidDataException>(() => QueueSnapshotCodec.Read(prefix));
        }
    }

    [Fact]
    public void Every_garbled_byte_fails_loudly()
    {
        var bytes = QueueSnapshotCodec.Write(new QueueSnapshot([Full(1, JobState.Processing), Bare(2, JobState.Pending)], 3));

        for (var i = 0; i < bytes.Length; i++)
        {
            var garbled = bytes.ToArray();
            garbled[i] ^= 0x10;
            Assert.Throws<InvalidDataException>(() => QueueSnapshotCodec.Read(garbled));
        }
        Assert.Throws<InvalidDataException>(() => QueueSnapshotCodec.Read(bytes.Append((byte)0).ToArray()));
    }

    [Fact]
    public void Repeated_strings_are_written_once_and_read_as_one_object()
    {
        var jobs = Enumerable.Range(1, 1000).Select(i => Full(i, JobState.Processing) with { Name = $"job {i}" }).ToArray();

        var bytes = QueueSnapshotCodec.Write(new QueueSnapshot(jobs, 1001));
        var read = QueueSnapshotCodec.Read(bytes);

        Assert.Equal(1, Occurrences(bytes, Encoding.UTF8.GetBytes(Worker)));
        Assert.Equal(1, Occurrences(bytes, "connection refused"u8.ToArray()));
        var first = read.Jobs[0];
        Assert.All(read.Jobs, job =>
        {
            Assert.Same(first.Queue, job.Queue);
            Assert.Same(first.Owner, job.Owner);
            Assert.Same(first.Printer, job.Printer);
            Assert.Same(first.Worker, job.Worker);
            Assert.Same(first.LastError, job.LastError);
            Assert.Same(first.HoldUntil, job.HoldUntil);
            Assert.Same(first.Documents[0].Format, job.Documents[0].Format);
            Assert.Same(first.Documents[0].Name, job.Documents[0].Name);
            Assert.Same(first.AttemptHistory[0].Node, job.AttemptHistory[0].Node);
            Assert.Same(first.AttemptHistory[0].Error, job.AttemptHistory[0].Error);
        });
        Assert.Equal(1000, read.Jobs.Select(j => j.Name).Distinct().Count());
        // Everything set, two attempts included, yet well under the ~500 bytes a job its JSON took without them.
        Assert.True(bytes.Length < 1000 * 130, $"{bytes.Length} bytes");
    }

    private static int Occurrences(byte[] haystack, byte[] needle)
    {
        var count = 0;
        var rest = haystack.AsSpan();
        for (var at = rest.IndexOf(needle); at >= 0; at = rest.IndexOf(needle))
        {
            count++;
            rest = rest[(at + needle.Length)..];
        }
        return count;
    }

    /// <summary>Compares every stored property one by one, so a failure names the property the codec lost.</summary>
    private static void AssertSameProperties<T>(T expected, T actual, string what)
    {
        foreach (var property in StoredProperties(typeof(T)))
        {
            Assert.True(
                JsonSerializer.Serialize(property.GetValue(expected), Json) == JsonSerializer.Serialize(property.GetValue(actual), Json),
                $"{what}: {typeof(T).Name}.{property.Name} did not survive the codec");
        }
    }

    // Computed properties are [JsonIgnore]; so is JobRecord.Copies, which is stored (in JSON as two fields of its own).
    private static IEnumerable<PropertyInfo> StoredProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null || p.SetMethod is { IsPublic: true });

    /// <summary>Builds records with every public constructor parameter and settable property set to a non-default value.</summary>
    private sealed class SampleValues
    {
        private int _next;

        public T Build<T>()
        {
            var constructor = typeof(T).GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
            var parameters = constructor.GetParameters();
            var arguments = parameters.Select(p => Sample(p.ParameterType)).ToArray();
            var built = (T)constructor.Invoke(arguments);
            var asConstructed = (T)constructor.Invoke(arguments);

            var settable = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.SetMethod is { IsPublic: true });
            foreach (var property in settable.Where(p => !parameters.Any(a => a.Name == p.Name)))
            {
                property.SetValue(built, Sample(property.PropertyType));
                // Non-default also means not the initialiser's default (State = Pending, Copies = Copies.One).
                Assert.NotEqual(JsonSerializer.Serialize(property.GetValue(asConstructed), Json), JsonSerializer.Serialize(property.GetValue(built), Json));
            }
            Assert.All(StoredProperties(typeof(T)), p => Assert.NotNull(p.GetValue(built)));
            return built;
        }

        private object Sample(Type type)
        {
            var n = ++_next;
            var underlying = Nullable.GetUnderlyingType(type) ?? type;
            if (underlying == typeof(long)) return 1_000_000L + n;
            if (underlying == typeof(int)) return 1000 + n;
            if (underlying == typeof(bool)) return true;
            if (underlying == typeof(string)) return $"value {n}";
            if (underlying == typeof(DateTimeOffset)) return T0.AddTicks(n * 1_234_567L).ToOffset(TimeSpan.FromMinutes(30 * (n % 5 + 1)));
            if (underlying == typeof(JobState)) return JobState.ProcessingStopped;
            if (underlying == typeof(Copies)) return new Copies(1000 + n, Uncollated: true);
            if (underlying == typeof(JobDocument[])) return new[] { Build<JobDocument>(), Build<JobDocument>() };
            if (underlying == typeof(JobRecord[])) return new[] { Build<JobRecord>() };
            if (underlying == typeof(AttemptOutcome)) return AttemptOutcome.Interrupted;
            if (underlying == typeof(System.Collections.Immutable.ImmutableArray<JobAttempt>)) return System.Collections.Immutable.ImmutableArray.Create(Build<JobAttempt>(), Build<JobAttempt>());
            throw new NotSupportedException(
                $"No sample value for {type}: a new property? Carry it in QueueSnapshotCodec (a new format version) and give it a sample here");
        }
    }
}
