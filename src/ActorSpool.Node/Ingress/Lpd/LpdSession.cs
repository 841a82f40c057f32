// Over 500 lines on purpose: one LPD connection is one conversation (receive job, queue state) whose steps share the
// socket, the job being received and the refusal rules. The wire format and control files are in
// ActorSpool.Protocols.Lpd, and submitting is JobIntake's.
using System.Net.Sockets;
using System.Text;
using ActorSpool.Actors.Storage;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using ActorSpool.Protocols.Documents;
using ActorSpool.Protocols.Lpd;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Ingress.Lpd;

/// <summary>
/// One LPD connection (RFC 1179, server side). "Receive job" for a queue: every data file is streamed into the
/// document store as it arrives (never buffered whole) and acknowledged once stored; the job is submitted to its
/// queue when the control file and every data file it names are in, and the acknowledgement of that last file is
/// sent only after the queue accepted the job — so the client sees success only for a durably accepted job. An
/// aborted, broken, refused or timed-out job is discarded: its documents are deleted and no job exists.
/// <para>
/// Submitting, the queue's answer, the metrics and discarding are <see cref="JobIntake"/>'s, as for IPP and raw. An
/// LPD job arrives file by file, so it does not fit JobIntake's single-document path: each file that stores a
/// document or completes the job takes its own intake slot (the node's limit counts LPD work like IPP's and raw's),
/// and a file refused as busy gets a negative acknowledgement like any refused file (its job is discarded).
/// </para>
/// </summary>
internal sealed class LpdSession
{
    private readonly ISpoolGateway _gateway;
    private readonly JobIntake _intake;
    private readonly LpdIngressOptions _options;
    private readonly ILogger _logger;
    private readonly Socket _socket;
    private readonly SocketReader _in;
    private readonly string _remote;
    private readonly CancellationToken _stop;

    public LpdSession(ISpoolGateway gateway, JobIntake intake, LpdIngressOptions options, ILogger logger, Socket socket, CancellationToken stop)
    {
        _gateway = gateway;
        _intake = intake;
        _options = options;
        _logger = logger;
        _socket = socket;
        _stop = stop;
        _remote = TcpAcceptor.Remote(socket);
        _in = new SocketReader(socket, options.IdleTimeout, stop, options.MinDataRate);
    }

    /// <summary>Serves the connection and closes it: normally when the protocol ended as it may, with a reset otherwise.</summary>
    public async Task RunAsync()
    {
        var graceful = false;
        try
        {
            _socket.NoDelay = true;
            graceful = await ServeAsync().ConfigureAwait(false);
        }
        catch (LpdRefusal e)
        {
            // The client got a negative acknowledgement (or the protocol has none to give); it reads the end next.
            _logger.LogInformation("LPD from {Remote}: {Problem}", _remote, e.Message);
            graceful = true;
        }
        catch (LineTooLongException e)
        {
            _logger.LogInformation("LPD from {Remote}: {Problem}; connection closed", _remote, e.Message);
        }
        catch (IOException e) when (_in.ClientFailed)
        {
            _logger.LogInformation("LPD from {Remote}: {Problem}", _remote, e.Message);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The node is stopping.
        }
        catch (SocketException e)
        {
            _logger.LogInformation("LPD from {Remote}: the connection failed: {Problem}", _remote, e.Message);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "LPD from {Remote}: the spooler could not take the job; connection reset", _remote);
        }
        finally
        {
            if (graceful)
            {
                TcpAcceptor.CloseGracefully(_socket);
            }
            else
            {
                TcpAcceptor.Reset(_socket);
            }
        }
    }

    private async Task<bool> ServeAsync()
    {
        var command = await _in.ReadByteAsync().ConfigureAwait(false);
        if (command < 0)
        {
            return true; // connect and close: a probe
        }

        var operand = await _in.ReadLineAsync(LpdWire.MaxLineLength, "the command line").ConfigureAwait(false);
        switch (command)
        {
            case LpdWire.PrintWaitingJobs:
                return true; // nothing waits here: the queues dispatch by themselves

            case LpdWire.ReceiveJob:
                return await ReceiveJobAsync(operand.Trim()).ConfigureAwait(false);

            case LpdWire.SendQueueStateShort or LpdWire.SendQueueStateLong:
                await SendQueueStateAsync(operand, longFormat: command == LpdWire.SendQueueStateLong).ConfigureAwait(false);
                return true;

            case LpdWire.RemoveJobs:
                _logger.LogInformation("LPD from {Remote}: 'remove jobs' ({Operand}) is not supported; use IPP Cancel-Job or spoolctl", _remote, LpdWire.Printable(operand));
                return true;

            default:
                throw new LpdRefusal($"unknown command octet 0x{command:X2} (expected 0x01-0x05); connection closed");
        }
    }

    private async Task<bool> ReceiveJobAsync(string queueName)
    {
        var queue = queueName.Length == 0 ? null : _gateway.Topology.FindQueue(queueName);
        if (queue is null)
        {
            await SendAsync(LpdWire.Refused).ConfigureAwait(false);
            _logger.LogInformation("LPD from {Remote}: refused a job for unknown queue '{Queue}'", _remote, LpdWire.Printable(queueName));
            return true;
        }

        await SendAsync(LpdWire.Ok).ConfigureAwait(false);
        var job = new PendingJob(queue);
        try
        {
            while (true)
            {
                var subcommand = await _in.ReadByteAsync().ConfigureAwait(false);
                if (subcommand < 0)
                {
                    if (job.HasFiles)
                    {
                        _logger.LogInformation("LPD from {Remote}: the connection ended before job {Job} for {Queue} was complete ({Missing}); discarded",
                            _remote, job.Describe(), queue.Name, job.Missing());
                    }

                    return true;
                }

                switch (subcommand)
                {
                    case LpdWire.AbortJob:
                        await _in.ReadLineAsync(LpdWire.MaxLineLength, "the abort subcommand").ConfigureAwait(false);
                        if (job.HasFiles)
                        {
                            _logger.LogInformation("LPD from {Remote}: job {Job} for {Queue} aborted by the client; discarded", _remote, job.Describe(), queue.Name);
                        }

                        await DiscardAsync(job).ConfigureAwait(false);
                        job = new PendingJob(queue); // RFC 1179 §6.1: no acknowledgement
                        break;

                    case LpdWire.ReceiveControlFile:
                        if (await ReceiveControlFileAsync(job).ConfigureAwait(false))
                        {
                            job = new PendingJob(queue);
                        }

                        break;

                    case LpdWire.ReceiveDataFile:
                        if (await ReceiveDataFileAsync(job).ConfigureAwait(false))
                        {
                            job = new PendingJob(queue);
                        }

                        break;

                    default:
                        await SendAsync(LpdWire.Refused).ConfigureAwait(false);
                        throw new LpdRefusal($"unknown subcommand octet 0x{subcommand:X2} (expected 0x01-0x03); job discarded");
                }
            }
        }
        finally
        {
            // Whatever ended the connection before the job was accepted: nothing of it stays stored.
            await DiscardAsync(job).ConfigureAwait(false);
        }
    }

    /// <summary>Reads a control file; true when it completed a job that the queue accepted.</summary>
    private async Task<bool> ReceiveControlFileAsync(PendingJob job)
    {
        var line = await _in.ReadLineAsync(LpdWire.MaxLineLength, "the control file subcommand").ConfigureAwait(false);
        if (!LpdWire.TryParseFileHeader(line, out var count, out var name, out var problem))
        {
            throw await RefuseAsync($"control file subcommand: {problem}").ConfigureAwait(false);
        }

        if (!LpdControlFile.IsControlFileName(name))
        {
            throw await RefuseAsync($"control file name '{LpdWire.Printable(name)}' is not cfA + 3 digits + host").ConfigureAwait(false);
        }

        if (job.Control is not null)
        {
            throw await RefuseAsync($"a second control file {name} for job {job.Describe()}").ConfigureAwait(false);
        }

        if (!job.BelongsToJob(name))
        {
            throw await RefuseAsync($"control file {name} does not belong to job {job.Describe()} (other job number or host)").ConfigureAwait(false);
        }

        if (count > _options.MaxControlFileBytes)
        {
            throw await RefuseAsync($"control file {name} of {count} bytes is larger than {_options.MaxControlFileBytes} bytes", LpdWire.NoRoom).ConfigureAwait(false);
        }

        using var slot = await AdmitAsync(job, $"control file {name}").ConfigureAwait(false); // it may complete the job
        await SendAsync(LpdWire.Ok).ConfigureAwait(false);
        var bytes = await _in.ReadExactAsync((int)count, $"control file {name}").ConfigureAwait(false);
        await ExpectTerminatorAsync($"control file {name}").ConfigureAwait(false);

        LpdControlFileContent content;
        try
        {
            content = LpdControlFile.ParseLenient(bytes);
        }
        catch (FormatException e)
        {
            throw await RefuseAsync($"control file {name}: {e.Message}").ConfigureAwait(false);
        }

        if (content.ReferencedDataFiles.FirstOrDefault(f => LpdControlFile.JobSuffix(f) != LpdControlFile.JobSuffix(name)) is { } foreign)
        {
            throw await RefuseAsync($"control file {name} names data file {foreign} of another job number or host").ConfigureAwait(false);
        }

        if (job.DataFiles.Keys.FirstOrDefault(f => !content.ReferencedDataFiles.Contains(f)) is { } unreferenced)
        {
            throw await RefuseAsync($"control file {name} does not name data file {unreferenced}, which was sent for this job").ConfigureAwait(false);
        }

        job.Control = new ControlFile(name, content);
        job.Suffix ??= LpdControlFile.JobSuffix(name);
        return await CompleteIfReadyAsync(job).ConfigureAwait(false);
    }

    /// <summary>Streams a data file into the document store; true when it completed a job that the queue accepted.</summary>
    private async Task<bool> ReceiveDataFileAsync(PendingJob job)
    {
        var line = await _in.ReadLineAsync(LpdWire.MaxLineLength, "the data file subcommand").ConfigureAwait(false);
        if (!LpdWire.TryParseFileHeader(line, out var count, out var name, out var problem))
        {
            throw await RefuseAsync($"data file subcommand: {problem}").ConfigureAwait(false);
        }

        if (!LpdControlFile.IsDataFileName(name))
        {
            throw await RefuseAsync($"data file name '{LpdWire.Printable(name)}' is not df + letter + 3 digits + host").ConfigureAwait(false);
        }

        if (job.DataFiles.ContainsKey(name))
        {
            throw await RefuseAsync($"data file {name} was sent twice").ConfigureAwait(false);
        }

        if (!job.BelongsToJob(name))
        {
            throw await RefuseAsync($"data file {name} does not belong to job {job.Describe()} (other job number or host)").ConfigureAwait(false);
        }

        if (job.Control is { } control && !control.Content.ReferencedDataFiles.Contains(name))
        {
            throw await RefuseAsync($"data file {name} is not named by control file {control.Name}").ConfigureAwait(false);
        }

        var queue = job.Queue;
        if (count > queue.MaxDocumentBytes)
        {
            throw await RefuseAsync($"data file {name} of {count} bytes is larger than queue {queue.Name}'s limit of {queue.MaxDocumentBytes} bytes; job discarded",
                LpdWire.NoRoom).ConfigureAwait(false);
        }

        using var slot = await AdmitAsync(job, $"data file {name}").ConfigureAwait(false);
        if (job.JobId is null)
        {
            try
            {
                job.JobId = await _gateway.AllocateJobIdAsync(queue.Name, _stop).ConfigureAwait(false);
            }
            catch (StorageFullException e)
            {
                throw await RefuseAsync($"{_intake.DiskFull(e)}; {name} of job {job.Describe()} for {queue.Name} refused, job discarded", LpdWire.NoRoom).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                _logger.LogWarning(e, "LPD from {Remote}: could not allocate a job id for queue {Queue}", _remote, queue.Name);
                throw await RefuseAsync($"the spooler could not take a job for {queue.Name} now ({e.Message})").ConfigureAwait(false);
            }
        }

        job.Suffix ??= LpdControlFile.JobSuffix(name);
        var number = job.NumberFor(name);
        await SendAsync(LpdWire.Ok).ConfigureAwait(false);

        StoredDocument stored;
        await using (var content = _in.OpenFixedLength(count, $"data file {name}"))
        {
            try
            {
                stored = await _gateway.StoreDocumentAsync(job.JobId.Value, number, content, DocumentFormatDetector.OctetStream, null, queue.MaxDocumentBytes, _stop)
                    .ConfigureAwait(false);
            }
            catch (Exception e) when (_in.ClientFailed && e is not OperationCanceledException)
            {
                // The client stopped sending (reset, timeout, fewer bytes than announced): its problem, reported as such.
                throw e as IOException ?? new IOException(e.Message, e);
            }
            catch (StorageFullException e)
            {
                // RFC 1179's "no room"; the rest of the file is not read, the job is discarded (finally in ServeAsync).
                throw await RefuseAsync($"{_intake.DiskFull(e)}; data file {name} of job {job.Describe()} for {queue.Name} refused, job discarded", LpdWire.NoRoom)
                    .ConfigureAwait(false);
            }
        }

        if (stored.Length != count)
        {
            throw new InvalidOperationException($"the document store kept {stored.Length} of the {count} bytes of data file {name}");
        }

        await ExpectTerminatorAsync($"data file {name}").ConfigureAwait(false);
        job.DataFiles[name] = new DataFile(number, count);
        return await CompleteIfReadyAsync(job).ConfigureAwait(false);
    }

    /// <summary>
    /// Acknowledges the file just read. When that file completed the job, the job is first submitted, and the
    /// acknowledgement is positive only if the queue accepted it (the durability rule). True for an accepted job.
    /// </summary>
    private async Task<bool> CompleteIfReadyAsync(PendingJob job)
    {
        if (job.Control is not { } control || control.Content.ReferencedDataFiles.Any(f => !job.DataFiles.ContainsKey(f)))
        {
            await SendAsync(LpdWire.Ok).ConfigureAwait(false);
            return false;
        }

        var queue = job.Queue;
        var documents = job.Documents();
        var content = control.Content;
        var owner = NonEmpty(content.User) ?? "lpd";
        var jobName = NonEmpty(content.JobName) ?? NonEmpty(content.SourceNames.FirstOrDefault()) ?? control.Name;
        // lpr -#N names each data file N times: one document per data file, printed N times, not N documents.
        var copies = new Copies(content.Copies.Count, content.Copies.Uncollated);
        var submit = new Commands.SubmitJob(queue.Name, job.JobId!.Value, owner, jobName, null, false, documents) { Copies = copies };

        // From here JobIntake decides what stays stored: an accepted job's documents are the queue's, a rejected
        // job's are discarded, and when the answer is unknown they stay (an accepted job needs them).
        job.Abandon();
        IntakeResult result;
        try
        {
            result = await _intake.SubmitStoredJobAsync(submit, _stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            // Tell the client it failed; it sends the job again, which at worst prints twice (at-least-once).
            _logger.LogWarning("LPD from {Remote}: job {JobId} for {Queue} was not confirmed by the queue: {Error}", _remote, submit.JobId, queue.Name, e.Message);
            throw await RefuseAsync($"job {submit.JobId} for {queue.Name} was not confirmed by the queue ({e.Message})").ConfigureAwait(false);
        }

        switch (result)
        {
            case IntakeResult.Accepted accepted:
                await SendAsync(LpdWire.Ok).ConfigureAwait(false);
                _logger.LogInformation("LPD from {Remote}: job {JobId} accepted for {Queue} ({Documents} document(s), {Bytes} bytes, {Copies} copies, owner {Owner})",
                    _remote, accepted.Job.JobId, queue.Name, documents.Length, documents.Sum(d => d.Length), copies.Count, owner);
                return true;

            case IntakeResult.Rejected rejected:
                throw await RefuseAsync($"queue {queue.Name} rejected job {submit.JobId}: {rejected.Reason}").ConfigureAwait(false);

            default:
                throw new InvalidOperationException($"Unexpected intake result for job {submit.JobId}: {result}.");
        }
    }

    private async Task SendQueueStateAsync(string operand, bool longFormat)
    {
        var (queueName, list) = LpdWire.ParseQueueOperand(operand);
        var queue = queueName.Length == 0 ? null : _gateway.Topology.FindQueue(queueName);
        string text;
        if (queue is null)
        {
            text = $"{LpdWire.Printable(queueName)}: unknown printer\n";
        }
        else
        {
            try
            {
                var jobs = await _gateway.GetJobsAsync(queue.Name, JobFilter.NotCompleted, null, 0, _stop).ConfigureAwait(false);
                var entries = jobs
                    .Where(j => list.Count == 0 || list.Contains(j.Owner, StringComparer.Ordinal) ||
                                list.Contains(j.JobId.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal))
                    .Select(j => new LpdQueueEntry(j.JobId, j.Owner, j.Name, j.TotalBytes, j.State == JobState.Processing,
                        j.Documents.Select(d => (d.Name ?? $"document {d.Number}", d.Length)).ToArray()))
                    .ToArray();
                text = LpdQueueListing.Format(queue.Name, entries, longFormat);
            }
            catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                _logger.LogWarning("LPD from {Remote}: queue state of {Queue} unavailable: {Error}", _remote, queue.Name, e.Message);
                text = $"{queue.Name}: queue state unavailable now ({e.Message})\n";
            }
        }

        await SendAsync(Encoding.Latin1.GetBytes(text)).ConfigureAwait(false);
    }

    private async Task ExpectTerminatorAsync(string what)
    {
        var terminator = await _in.ReadByteAsync().ConfigureAwait(false);
        if (terminator < 0)
        {
            throw _in.Fail($"the connection ended where the zero octet after {what} was due");
        }

        if (terminator != 0)
        {
            throw await RefuseAsync($"{what} is followed by octet 0x{terminator:X2} instead of the zero octet (the announced count is wrong)").ConfigureAwait(false);
        }
    }

    /// <summary>Sends a negative acknowledgement and returns the refusal for the caller to throw (the job is discarded, the connection closed).</summary>
    private async Task<LpdRefusal> RefuseAsync(string problem, byte code = LpdWire.Refused)
    {
        try
        {
            await SendAsync(code).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            // The refusal is what counts.
        }

        return new LpdRefusal(problem);
    }

    /// <summary>
    /// An intake slot for the file about to be received: held while it is stored and, when it completes the job, while
    /// the job is submitted. At the node's intake limit the file is refused (the job discarded) instead.
    /// </summary>
    private async Task<IDisposable> AdmitAsync(PendingJob job, string file)
    {
        // RFC 1179's "no room" acknowledgement: the spool disk is below its free-space floor.
        if (_intake.DiskShortage() is { } shortage)
        {
            throw await RefuseAsync($"{shortage}; {file} of job {job.Describe()} for {job.Queue.Name} refused, job discarded", LpdWire.NoRoom)
                .ConfigureAwait(false);
        }

        return await _intake.TryAdmitAsync(_stop).ConfigureAwait(false)
            ?? throw await RefuseAsync($"the spooler is busy ({_intake.MaxConcurrent} submissions in progress); {file} of job {job.Describe()} for {job.Queue.Name} refused, job discarded")
                .ConfigureAwait(false);
    }

    private async Task DiscardAsync(PendingJob job)
    {
        if (job.JobId is not { } jobId || job.Abandoned)
        {
            return;
        }

        job.Abandon();
        await _intake.DiscardAsync(jobId).ConfigureAwait(false);
    }

    private Task SendAsync(byte ack) => SendAsync([ack]);

    private async Task SendAsync(byte[] data)
    {
        var memory = data.AsMemory();
        while (!memory.IsEmpty)
        {
            var n = await _socket.SendAsync(memory, SocketFlags.None, _stop).ConfigureAwait(false);
            memory = memory[n..];
        }
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private sealed record ControlFile(string Name, LpdControlFileContent Content);

    private sealed record DataFile(int Number, long Length);

    /// <summary>The job being received on this connection.</summary>
    private sealed class PendingJob(QueueDefinition queue)
    {
        // Documents beyond the 52 letters: files only an unlink line names (nothing prints them).
        private int _unprinted = LpdControlFile.MaxDataFiles;

        public QueueDefinition Queue { get; } = queue;

        public long? JobId { get; set; }

        /// <summary>Job number and host shared by the job's file names.</summary>
        public string? Suffix { get; set; }

        public ControlFile? Control { get; set; }

        public Dictionary<string, DataFile> DataFiles { get; } = new(StringComparer.Ordinal);

        /// <summary>Submitted (or possibly submitted): its documents must not be deleted by this connection.</summary>
        public bool Abandoned { get; private set; }

        // Fixed by the first data file: numbered by the control file's print order when it came first, else by letter.
        private bool? _byControlFile;

        public bool HasFiles => Control is not null || DataFiles.Count > 0;

        public void Abandon() => Abandoned = true;

        public bool BelongsToJob(string fileName) => Suffix is null || LpdControlFile.JobSuffix(fileName) == Suffix;

        /// <summary>
        /// The document number of a data file: its position in the control file's print order when the control
        /// file came first; otherwise its letter (dfA = 1 ... dfz = 52), which is the same order for every client that
        /// names files in sequence (BSD lpr, CUPS, Windows, LpdClient). Numbers never collide within a job.
        /// </summary>
        public int NumberFor(string dataFileName)
        {
            _byControlFile ??= Control is not null;
            if (_byControlFile.Value)
            {
                var position = PrintedFiles().ToList().IndexOf(dataFileName);
                return position >= 0 ? position + 1 : ++_unprinted;
            }

            return LpdControlFile.DataFileLetters.IndexOf(dataFileName[2], StringComparison.Ordinal) + 1;
        }

        /// <summary>The job's documents in the order the control file prints them, each data file once: repeated print commands are copies.</summary>
        public JobDocument[] Documents()
        {
            var sources = new Dictionary<string, string?>(StringComparer.Ordinal);
            var lines = Control!.Content.Lines;
            for (var i = 0; i < lines.Count; i++)
            {
                if (!LpdControlFile.PrintCommands.Contains(lines[i].Command) || sources.ContainsKey(lines[i].Operand))
                {
                    continue;
                }

                // The N line after a print command names its source file (BSD lpr and CUPS write it there).
                var source = lines.Skip(i + 1)
                    .TakeWhile(l => !LpdControlFile.PrintCommands.Contains(l.Command))
                    .FirstOrDefault(l => l.Command == 'N');
                sources[lines[i].Operand] = source.Command == 'N' && !string.IsNullOrWhiteSpace(source.Operand) ? source.Operand : null;
            }

            return sources
                .Select(s => new JobDocument(DataFiles[s.Key].Number, DataFiles[s.Key].Length, DocumentFormatDetector.OctetStream, s.Value ?? s.Key))
                .ToArray();
        }

        public string Describe() => Control?.Name ?? (Suffix is null ? "(no files yet)" : $"?fA{Suffix}");

        public string Missing() => Control is { } control
            ? "missing " + string.Join(", ", control.Content.ReferencedDataFiles.Where(f => !DataFiles.ContainsKey(f)))
            : "no control file";

        private IEnumerable<string> PrintedFiles() => Control!.Content.PrintCommands.Select(l => l.Operand).Distinct(StringComparer.Ordinal);
    }
}

/// <summary>The client broke the protocol or the job was refused; the client was told where the protocol allows.</summary>
internal sealed class LpdRefusal(string message) : Exception(message);
