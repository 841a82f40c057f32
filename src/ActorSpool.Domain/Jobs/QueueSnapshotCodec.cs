using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace ActorSpool.Domain.Jobs;

/// <summary>
/// The compact binary form of a <see cref="QueueSnapshot"/>. A queue snapshots all its jobs, and a restarted node
/// must read 100,000 of them within its start-up budget: JSON spelled out every property name and null (~500 bytes
/// a job, over a second to parse), this takes ~60 bytes a job and reads 100,000 in ~0.1 s.
/// </summary>
/// <remarks>
/// <para>Layout, format version 2 (all integers little-endian):</para>
/// <list type="bullet">
/// <item>version byte (2), then the body, then a CRC-32C of version and body (4 bytes): garbled or cut-off bytes fail
/// loudly instead of reading as another snapshot.</item>
/// <item>body: Paused (byte 0/1), NextSequence, job count, then each job.</item>
/// <item>job: JobId, Queue, Owner, Name, Priority, Sequence, document count, each document (Number, Length, Format,
/// Name), SubmittedAt, State, Attempts, Dispatches, RestartedAfter, Copies, a presence mask (<see cref="Field"/>: the
/// nullable fields that are set, the two flags, and whether an attempt history follows), then the set nullable fields
/// in mask order, then the attempt history: its count and each attempt (Attempt, Printer, Node, a presence mask of
/// StartedAt and EndedAt, the outcome as 0 for none or 1 + <see cref="AttemptOutcome"/>, Error, then the set dates).</item>
/// <item>signed integers are zigzag varints, counts unsigned varints; a date is its UTC ticks (8 bytes) and its offset
/// in minutes (zigzag varint).</item>
/// <item>a string is a varint tag: 0 null, 1 a new string (byte length, UTF-8) that joins the table, n ≥ 2 the table's
/// string n − 2. The queue name, owners, formats, printers and worker paths repeated by thousands of jobs are stored
/// once and read as one shared string.</item>
/// </list>
/// <para>
/// Changing the layout (a property added to <see cref="JobRecord"/>, say) means a new version byte; the reader keeps
/// reading every older version, giving the new property the value that meant what old snapshots meant. The codec's
/// tests set every public property of a job and fail for one this codec does not carry.
/// </para>
/// <para>
/// Version 1 is version 2 without the attempt history (its mask never has that bit): it reads as jobs with an empty
/// history, which is what a job recorded before the history existed has.
/// </para>
/// </remarks>
public static class QueueSnapshotCodec
{
    public const byte FormatVersion = 2;

    /// <summary>The first format, without attempt histories: still read.</summary>
    private const byte FormatVersionWithoutHistory = 1;

    private const int ChecksumLength = 4;

    /// <summary>A job's optional parts: which nullable fields follow, and its two flags.</summary>
    /// <remarks>The fields a dispatched job has come first, so the mask of most jobs is one varint byte.</remarks>
    [Flags]
    private enum Field : uint
    {
        Printer = 1 << 0,
        Worker = 1 << 1,
        ProcessingAt = 1 << 2,
        CompletedAt = 1 << 3,
        LastError = 1 << 4,
        Incoming = 1 << 5,
        LastDocumentAt = 1 << 6,
        HoldUntil = 1 << 7,
        ReleaseAt = 1 << 8,
        CanceledBy = 1 << 9,
        UncollatedCopies = 1 << 10,
        AllOfVersion1 = (1 << 11) - 1,
        AttemptHistory = 1 << 11,
        All = (1 << 12) - 1,
    }

    /// <summary>An attempt's dates that are set.</summary>
    [Flags]
    private enum AttemptField : uint
    {
        StartedAt = 1 << 0,
        EndedAt = 1 << 1,
        All = (1 << 2) - 1,
    }

    // Strict, so bytes that are not UTF-8 fail the read instead of becoming U+FFFD in a job's name.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // JobState values as read from the bytes: anything else is corrupt, not a new state.
    private static readonly HashSet<int> KnownStates = Enum.GetValues<JobState>().Select(s => (int)s).ToHashSet();

    private static readonly HashSet<int> KnownOutcomes = Enum.GetValues<AttemptOutcome>().Select(o => (int)o).ToHashSet();

    public static byte[] Write(QueueSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var writer = new SnapshotWriter(64 + snapshot.Jobs.Length * 48);
        writer.Byte(FormatVersion);
        writer.Byte(snapshot.Paused ? (byte)1 : (byte)0);
        writer.Int64(snapshot.NextSequence);
        writer.Count(snapshot.Jobs.Length);
        foreach (var job in snapshot.Jobs) WriteJob(writer, job);
        return writer.ToArrayWithChecksum();
    }

    public static QueueSnapshot Read(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        return Read(bytes.AsSpan());
    }

    /// <exception cref="InvalidDataException">An unknown format version, or bytes cut off or garbled.</exception>
    /// <remarks>
    /// The hot paths are [AggressiveOptimization]: a snapshot is read once, right after a restart, while tiered
    /// compilation would still run them as unoptimised first-tier code.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static QueueSnapshot Read(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0) throw new InvalidDataException("Queue snapshot is empty: no format version byte");
        var version = bytes[0];
        if (version is not (FormatVersion or FormatVersionWithoutHistory))
        {
            throw new InvalidDataException(
                $"Queue snapshot has format version {version}; this build reads versions {FormatVersionWithoutHistory} and {FormatVersion}");
        }
        if (bytes.Length < 1 + ChecksumLength) throw new InvalidDataException($"Queue snapshot is truncated: {bytes.Length} bytes");

        var covered = bytes[..^ChecksumLength];
        if (Checksum(covered) != BinaryPrimitives.ReadUInt32LittleEndian(bytes[^ChecksumLength..]))
        {
            throw new InvalidDataException($"Queue snapshot is truncated or corrupt: checksum mismatch over {bytes.Length} bytes");
        }

        var reader = new SnapshotReader(covered[1..]);
        var paused = reader.Byte() switch
        {
            0 => false,
            1 => true,
            var other => throw Corrupt($"paused flag {other}"),
        };
        var nextSequence = reader.Int64();
        var jobs = new JobRecord[reader.Count()];
        var fields = version == FormatVersionWithoutHistory ? Field.AllOfVersion1 : Field.All;
        for (var i = 0; i < jobs.Length; i++) jobs[i] = ReadJob(ref reader, fields);
        reader.ExpectEnd();
        return new QueueSnapshot(jobs, nextSequence) { Paused = paused };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteJob(SnapshotWriter writer, JobRecord job)
    {
        writer.Int64(job.JobId);
        writer.String(job.Queue);
        writer.String(job.Owner);
        writer.String(job.Name);
        writer.Int32(job.Priority);
        writer.Int64(job.Sequence);
        writer.Count(job.Documents.Length);
        foreach (var document in job.Documents)
        {
            writer.Int32(document.Number);
            writer.Int64(document.Length);
            writer.String(document.Format);
            writer.String(document.Name);
        }
        writer.Date(job.SubmittedAt);
        writer.Int32((int)job.State);
        writer.Int32(job.Attempts);
        writer.Int32(job.Dispatches);
        writer.Int32(job.RestartedAfter);
        writer.Int32(job.Copies.Count);

        var present = default(Field);
        if (job.Printer is not null) present |= Field.Printer;
        if (job.Worker is not null) present |= Field.Worker;
        if (job.ProcessingAt is not null) present |= Field.ProcessingAt;
        if (job.CompletedAt is not null) present |= Field.CompletedAt;
        if (job.LastError is not null) present |= Field.LastError;
        if (job.Incoming) present |= Field.Incoming;
        if (job.LastDocumentAt is not null) present |= Field.LastDocumentAt;
        if (job.HoldUntil is not null) present |= Field.HoldUntil;
        if (job.ReleaseAt is not null) present |= Field.ReleaseAt;
        if (job.CanceledBy is not null) present |= Field.CanceledBy;
        if (job.Copies.Uncollated) present |= Field.UncollatedCopies;
        if (job.AttemptHistory.Length > 0) present |= Field.AttemptHistory;
        writer.Mask((uint)present);

        if (job.Printer is not null) writer.String(job.Printer);
        if (job.Worker is not null) writer.String(job.Worker);
        if (job.ProcessingAt is { } processingAt) writer.Date(processingAt);
        if (job.CompletedAt is { } completedAt) writer.Date(completedAt);
        if (job.LastError is not null) writer.String(job.LastError);
        if (job.LastDocumentAt is { } lastDocumentAt) writer.Date(lastDocumentAt);
        if (job.HoldUntil is not null) writer.String(job.HoldUntil);
        if (job.ReleaseAt is { } releaseAt) writer.Date(releaseAt);
        if (job.CanceledBy is not null) writer.String(job.CanceledBy);
        if (job.AttemptHistory.Length > 0) WriteAttempts(writer, job.AttemptHistory);
    }

    private static void WriteAttempts(SnapshotWriter writer, ImmutableArray<JobAttempt> history)
    {
        writer.Count(history.Length);
        foreach (var attempt in history)
        {
            writer.Int32(attempt.Attempt);
            writer.String(attempt.Printer);
            writer.String(attempt.Node);
            var present = default(AttemptField);
            if (attempt.StartedAt is not null) present |= AttemptField.StartedAt;
            if (attempt.EndedAt is not null) present |= AttemptField.EndedAt;
            writer.Mask((uint)present);
            writer.Int32(attempt.Outcome is { } outcome ? 1 + (int)outcome : 0);
            writer.String(attempt.Error);
            if (attempt.StartedAt is { } startedAt) writer.Date(startedAt);
            if (attempt.EndedAt is { } endedAt) writer.Date(endedAt);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static JobRecord ReadJob(ref SnapshotReader reader, Field known)
    {
        var jobId = reader.Int64();
        var queue = reader.String();
        var owner = reader.String();
        var name = reader.String();
        var priority = reader.Int32();
        var sequence = reader.Int64();
        var documents = ReadDocuments(ref reader);
        var submittedAt = reader.Date();
        var state = reader.Int32();
        if (!KnownStates.Contains(state)) throw Corrupt($"job state {state}");
        var attempts = reader.Int32();
        var dispatches = reader.Int32();
        var restartedAfter = reader.Int32();
        var copies = reader.Int32();

        var mask = reader.Mask();
        if ((mask & ~(ulong)known) != 0) throw Corrupt($"job field mask 0x{mask:x}");
        var present = (Field)mask;

        // Written as they were: required strings stay null if a record ever carried null in one.
        return new JobRecord(jobId, queue!, owner!, name!, priority, sequence, documents, submittedAt)
        {
            State = (JobState)state,
            Attempts = attempts,
            Dispatches = dispatches,
            RestartedAfter = restartedAfter,
            Copies = new Copies(copies, Uncollated: (present & Field.UncollatedCopies) != 0),
            Incoming = (present & Field.Incoming) != 0,
            // Object initialisers run in order, so these read the optional fields in the order they were written.
            Printer = (present & Field.Printer) != 0 ? reader.String() : null,
            Worker = (present & Field.Worker) != 0 ? reader.String() : null,
            ProcessingAt = (present & Field.ProcessingAt) != 0 ? reader.Date() : null,
            CompletedAt = (present & Field.CompletedAt) != 0 ? reader.Date() : null,
            LastError = (present & Field.LastError) != 0 ? reader.String() : null,
            LastDocumentAt = (present & Field.LastDocumentAt) != 0 ? reader.Date() : null,
            HoldUntil = (present & Field.HoldUntil) != 0 ? reader.String() : null,
            ReleaseAt = (present & Field.ReleaseAt) != 0 ? reader.Date() : null,
            CanceledBy = (present & Field.CanceledBy) != 0 ? reader.String() : null,
            AttemptHistory = (present & Field.AttemptHistory) != 0 ? ReadAttempts(ref reader) : [],
        };
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ImmutableArray<JobAttempt> ReadAttempts(ref SnapshotReader reader)
    {
        // Written only when there is one: an empty history here is not what this codec writes.
        var count = reader.Count();
        if (count == 0) throw Corrupt("an attempt history without attempts");
        var attempts = new JobAttempt[count];
        for (var i = 0; i < attempts.Length; i++)
        {
            var number = reader.Int32();
            var printer = reader.String();
            var node = reader.String();
            var mask = reader.Mask();
            if ((mask & ~(ulong)AttemptField.All) != 0) throw Corrupt($"attempt field mask 0x{mask:x}");
            var present = (AttemptField)mask;
            var outcome = reader.Int32();
            if (outcome != 0 && !KnownOutcomes.Contains(outcome - 1)) throw Corrupt($"attempt outcome {outcome}");
            var error = reader.String();
            var startedAt = (present & AttemptField.StartedAt) != 0 ? reader.Date() : (DateTimeOffset?)null;
            var endedAt = (present & AttemptField.EndedAt) != 0 ? reader.Date() : (DateTimeOffset?)null;
            attempts[i] = new JobAttempt(number, printer!, node, startedAt, endedAt, outcome == 0 ? null : (AttemptOutcome)(outcome - 1), error);
        }
        return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(attempts);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static JobDocument[] ReadDocuments(ref SnapshotReader reader)
    {
        var count = reader.Count();
        if (count == 0) return [];
        var documents = new JobDocument[count];
        for (var i = 0; i < documents.Length; i++)
        {
            var number = reader.Int32();
            var length = reader.Int64();
            var format = reader.String();
            documents[i] = new JobDocument(number, length, format!, reader.String());
        }
        return documents;
    }

    private static InvalidDataException Corrupt(string what) => new($"Queue snapshot is corrupt: {what}");

    /// <summary>CRC-32C (hardware-accelerated where the CPU has it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static uint Checksum(ReadOnlySpan<byte> data)
    {
        var crc = uint.MaxValue;
        while (data.Length >= sizeof(ulong))
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[sizeof(ulong)..];
        }
        foreach (var b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

    private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

    /// <summary>A growing buffer with the codec's primitives, and the string table of what it wrote so far.</summary>
    private sealed class SnapshotWriter(int capacity)
    {
        private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);
        private byte[] _buffer = new byte[capacity];
        private int _length;

        public void Byte(byte value)
        {
            Reserve(1);
            _buffer[_length++] = value;
        }

        public void Count(int count) => VarUInt((uint)count);

        public void Mask(uint mask) => VarUInt(mask);

        public void Int32(int value) => VarUInt(ZigZag(value));

        public void Int64(long value) => VarUInt(ZigZag(value));

        public void Date(DateTimeOffset value)
        {
            Reserve(sizeof(long));
            BinaryPrimitives.WriteInt64LittleEndian(_buffer.AsSpan(_length), value.UtcTicks);
            _length += sizeof(long);
            Int32(checked((int)(value.Offset.Ticks / TimeSpan.TicksPerMinute)));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void String(string? value)
        {
            if (value is null)
            {
                VarUInt(0);
                return;
            }
            if (_strings.TryGetValue(value, out var index))
            {
                VarUInt((ulong)index + 2);
                return;
            }
            _strings.Add(value, _strings.Count);
            VarUInt(1);
            // Encoding.UTF8 writes U+FFFD for a lone surrogate, so what is written always reads back.
            var byteCount = Encoding.UTF8.GetByteCount(value);
            Count(byteCount);
            Reserve(byteCount);
            _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
        }

        public byte[] ToArrayWithChecksum()
        {
            var bytes = new byte[_length + ChecksumLength];
            _buffer.AsSpan(0, _length).CopyTo(bytes);
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(_length), Checksum(bytes.AsSpan(0, _length)));
            return bytes;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void VarUInt(ulong value)
        {
            Reserve(10);
            while (value >= 0x80)
            {
                _buffer[_length++] = (byte)(value | 0x80);
                value >>= 7;
            }
            _buffer[_length++] = (byte)value;
        }

        private void Reserve(int bytes)
        {
            if (_length + bytes <= _buffer.Length) return;
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + bytes));
        }
    }

    /// <summary>Reads the codec's primitives off a span; every read checks its bounds and throws InvalidDataException.</summary>
    private ref struct SnapshotReader(ReadOnlySpan<byte> body)
    {
        private readonly ReadOnlySpan<byte> _body = body;
        private readonly List<string> _strings = [];
        private int _position;

        public byte Byte()
        {
            if (_position >= _body.Length) throw Truncated();
            return _body[_position++];
        }

        /// <summary>A count of things that follow: each takes at least a byte, so more than the bytes left is corrupt.</summary>
        public int Count()
        {
            var count = VarUInt();
            if (count > (ulong)(_body.Length - _position)) throw Corrupt($"count {count} with {_body.Length - _position} bytes left");
            return (int)count;
        }

        public ulong Mask() => VarUInt();

        public int Int32()
        {
            var value = UnZigZag(VarUInt());
            if (value is < int.MinValue or > int.MaxValue) throw Corrupt($"32-bit integer {value}");
            return (int)value;
        }

        public long Int64() => UnZigZag(VarUInt());

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public DateTimeOffset Date()
        {
            if (_body.Length - _position < sizeof(long)) throw Truncated();
            var utcTicks = BinaryPrimitives.ReadInt64LittleEndian(_body[_position..]);
            _position += sizeof(long);
            var offsetMinutes = Int32();
            // DateTimeOffset's own limits: ±14 hours, and both the UTC and the local time within DateTime's range.
            if (offsetMinutes is < -14 * 60 or > 14 * 60) throw Corrupt($"date offset {offsetMinutes} minutes");
            var offsetTicks = offsetMinutes * TimeSpan.TicksPerMinute;
            if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks
                || utcTicks + offsetTicks < DateTime.MinValue.Ticks || utcTicks + offsetTicks > DateTime.MaxValue.Ticks)
            {
                throw Corrupt($"date of {utcTicks} ticks at offset {offsetMinutes} minutes");
            }
            return new DateTimeOffset(utcTicks + offsetTicks, new TimeSpan(offsetTicks));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public string? String()
        {
            var tag = VarUInt();
            switch (tag)
            {
                case 0:
                    return null;
                case 1:
                {
                    var length = Count();
                    string value;
                    try
                    {
                        value = StrictUtf8.GetString(_body.Slice(_position, length));
                    }
                    catch (DecoderFallbackException e)
                    {
                        throw new InvalidDataException("Queue snapshot is corrupt: a string is not UTF-8", e);
                    }
                    _position += length;
                    _strings.Add(value);
                    return value;
                }
                default:
                {
                    var index = tag - 2;
                    if (index >= (ulong)_strings.Count) throw Corrupt($"string {index} of a table of {_strings.Count}");
                    return _strings[(int)index];
                }
            }
        }

        public readonly void ExpectEnd()
        {
            if (_position != _body.Length) throw Corrupt($"{_body.Length - _position} bytes after the last job");
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private ulong VarUInt()
        {
            ulong value = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = Byte();
                // The tenth byte holds only the 64th bit.
                if (shift == 63 && b > 1) throw Corrupt("varint longer than 64 bits");
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
            throw Corrupt("varint longer than 64 bits");
        }

        private static InvalidDataException Truncated() => new("Queue snapshot is truncated");
    }
}
