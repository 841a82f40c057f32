using System.IO.Compression;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Spool;
using ActorSpool.Protocols.Ipp;
using Microsoft.Extensions.Logging.Abstractions;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// The IPP printer service (RFC 8011) over <see cref="ISpoolGateway"/>: one request in, one response out, no HTTP.
/// Every problem with the request becomes an IPP status in the response; only cancellation escapes as an exception.
/// </summary>
public sealed class IppPrintService
{
    private const int FirstDocument = 1;

    private readonly ISpoolGateway _gateway;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IppTargetResolver _targets;
    private readonly PrinterStateHistory _stateHistory = new();
    private readonly JobIntake _intake;
    private readonly LimitsSettings _limits;
    private readonly ILiveTopology _topology;
    private readonly IppAdminOperations _admin;

    /// <param name="intake">How new jobs enter the spooler (with the node's intake limit); one without a limit when null.</param>
    /// <param name="limits">Attributes per request and Get-Jobs sizes; the defaults of <c>actorspool.limits</c> when null.</param>
    /// <param name="topology">The printers and queues as they are now; the gateway's when null.</param>
    /// <param name="topologyAdmin">Changes them (CUPS-Add-Modify-Printer and the like); without one those are refused.</param>
    public IppPrintService(ISpoolGateway gateway, TimeProvider? timeProvider = null, ILogger<IppPrintService>? logger = null, JobIntake? intake = null,
        LimitsSettings? limits = null, ILiveTopology? topology = null, ITopologyAdmin? topologyAdmin = null)
    {
        _limits = limits ?? new LimitsSettings();
        _gateway = gateway ?? throw new ArgumentNullException(nameof(gateway));
        _intake = intake ?? new JobIntake(gateway);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<IppPrintService>.Instance;
        _topology = topology ?? new GatewayTopology(gateway);
        _targets = new IppTargetResolver(gateway, _topology);
        _admin = new IppAdminOperations(gateway, _topology, topologyAdmin, _targets, DescribePrinterAsync, _logger);
    }

    /// <summary>
    /// Reads a request from <paramref name="body"/> (the attribute section; document data is streamed from the rest
    /// of the body into the document store, never buffered whole) and answers it.
    /// </summary>
    public async Task<IppMessage> HandleAsync(Stream body, IppRequestContext context, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var recorder = new IppHeaderRecorder(body);
        IppReadResult read;
        try
        {
            // Counts and bytes are bounded while scanning, so an oversized request is refused before it is built in memory.
            read = await IppParser.ReadAsync(recorder, _limits.IppParse, ct).ConfigureAwait(false);
        }
        catch (IppParseException e)
        {
            return ParseFailure(recorder, e.Status, e.Message);
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            return ParseFailure(recorder, IppStatusCode.ClientErrorBadRequest, $"The request could not be read: {e.Message}");
        }
        return await HandleAsync(read.Message, read.Document, context, ct).ConfigureAwait(false);
    }

    /// <summary>Answers a parsed request; <paramref name="document"/> is the data that followed its attributes.</summary>
    public async Task<IppMessage> HandleAsync(IppMessage request, Stream document, IppRequestContext context, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(context);
        IppResponse response;
        try
        {
            IppRequestValidator.Validate(request);
            if (context.AuthenticatedUser is { } user) IppOperationAttributes.SetRequestingUser(request, user);
            response = new IppResponse();
            await DispatchAsync(request, document, context, response, ct).ConfigureAwait(false);
        }
        catch (IppRequestException e)
        {
            response = IppResponse.Error(e.Status, e.Message, e.Unsupported);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (StorageUnavailableException e)
        {
            _logger.LogWarning("IPP {Operation}: refused, {Reason}", request.Operation, e.Message);
            // A full disk is "temporary error" wherever it is noticed (the floor, the document store, the journal).
            response = IppResponse.Error(e.DiskFull ? IppStatusCode.ServerErrorTemporaryError : IppStatusCode.ServerErrorServiceUnavailable,
                $"The spooler cannot store anything now ({e.Message}); the request was not completed, try again later.");
        }
        catch (TimeoutException e)
        {
            _logger.LogWarning(e, "IPP {Operation}: the spooler did not answer in time", request.Operation);
            response = IppResponse.Error(IppStatusCode.ServerErrorServiceUnavailable,
                "The spooler did not answer in time; try again.");
        }
        catch (Exception e)
        {
            _logger.LogError(e, "IPP {Operation} failed", request.Operation);
            response = IppResponse.Error(IppStatusCode.ServerErrorInternalError,
                $"Internal server error ({e.GetType().Name}); see the node log.");
        }
        return response.ToMessage(request.VersionMajor, request.VersionMinor, request.RequestId);
    }

    private Task DispatchAsync(
        IppMessage request, Stream document, IppRequestContext context, IppResponse response, CancellationToken ct)
    {
        if (!IppCapabilities.Operations.Contains(request.Operation))
            throw new IppRequestException(IppStatusCode.ServerErrorOperationNotSupported,
                $"Operation 0x{(ushort)request.Code:X4} is not supported.");
        response.Unsupported.AddRange(IppRequestValidator.UnknownOperationAttributes(request));

        var by = IppOperationAttributes.RequesterOf(request, context);
        return request.Operation switch
        {
            IppOperation.PrintJob => PrintJobAsync(request, document, context, response, ct),
            IppOperation.ValidateJob => ValidateJob(request, context, response),
            IppOperation.CreateJob => CreateJobAsync(request, context, response, ct),
            IppOperation.SendDocument => AdmittedAsync(() => SendDocumentAsync(request, document, context, by, response, ct), ct),
            IppOperation.CloseJob => JobCommandAsync(request, context, response,
                t => _gateway.CloseJobAsync(t.Queue.Name, t.JobId, by, ct), ct),
            IppOperation.RestartJob => JobCommandAsync(request, context, response,
                t => _gateway.RestartJobAsync(t.Queue.Name, t.JobId, JobTicketReader.ReadHoldOperationAttribute(request), by, ct), ct),
            IppOperation.GetPrinterAttributes => GetPrinterAttributesAsync(request, context, response, ct),
            IppOperation.GetJobs => GetJobsAsync(request, context, response, ct),
            IppOperation.GetJobAttributes => GetJobAttributesAsync(request, context, response, ct),
            IppOperation.CancelJob => JobCommandAsync(request, context, null,
                t => _gateway.CancelJobAsync(t.Queue.Name, t.JobId, by, ct: ct), ct),
            IppOperation.HoldJob => JobCommandAsync(request, context, null,
                t => JobTicketReader.ReadHoldOperationAttribute(request) is { } until
                    ? _gateway.HoldJobAsync(t.Queue.Name, t.JobId, by, until, ct)
                    : _gateway.HoldJobAsync(t.Queue.Name, t.JobId, by, ct), ct),
            IppOperation.ReleaseJob => JobCommandAsync(request, context, null,
                t => _gateway.ReleaseJobAsync(t.Queue.Name, t.JobId, by, ct), ct),
            IppOperation.IdentifyPrinter => IdentifyPrinter(request, context),
            IppOperation.PausePrinter => PauseOrResumeAsync(request, context, by, pause: true, ct),
            IppOperation.ResumePrinter => PauseOrResumeAsync(request, context, by, pause: false, ct),
            IppOperation.CancelMyJobs => CancelMyJobsAsync(request, context, by, ct),
            IppOperation.PurgeJobs => PurgeJobsAsync(request, context, by, ct),
            IppOperation.CupsGetPrinters => _admin.GetPrintersAsync(request, context, response, ct),
            IppOperation.CupsGetDefault => _admin.GetDefaultAsync(request, context, response, ct),
            IppOperation.CupsGetClasses => IppAdminOperations.GetClasses(),
            IppOperation.CupsAddModifyPrinter => _admin.AddModifyPrinterAsync(request, context, by, response, ct),
            IppOperation.CupsDeletePrinter => _admin.DeletePrinterAsync(request, context, by, ct),
            IppOperation.CupsSetDefault => _admin.SetDefaultAsync(request, context, by, ct),
            _ => throw new InvalidOperationException($"{request.Operation} is listed as supported but has no handler."),
        };
    }

    /// <summary>
    /// Send-Document stores a document, so it takes an intake slot first (Print-Job and Create-Job take theirs in
    /// <see cref="JobIntake"/>); without one in time the client hears "busy".
    /// </summary>
    private async Task AdmittedAsync(Func<Task> submission, CancellationToken ct)
    {
        if (_intake.DiskShortage() is { } shortage)
            throw DiskLow(shortage);
        using var slot = await _intake.TryAdmitAsync(ct).ConfigureAwait(false) ?? throw Busy(_intake.MaxConcurrent);
        await submission().ConfigureAwait(false);
    }

    // RFC 8011 §4.2.1: the job is acknowledged only once its document is stored and the queue has accepted it.
    private async Task PrintJobAsync(
        IppMessage request, Stream document, IppRequestContext context, IppResponse response, CancellationToken ct)
    {
        var queue = _targets.ResolvePrinter(request, context);
        var ticket = JobTicketReader.Read(request, response.Unsupported);
        // The queue is asked inside WithDocumentAsync too; its failures are no IOException, so those still mean the document.
        var result = await WithDocumentAsync(document, ticket.Compression,
            content => _intake.SubmitNewJobAsync(NewJobOf(queue, ticket), content, ticket.Format, ticket.DocumentName, ct), ct).ConfigureAwait(false);
        Answer(result, queue, context, response);
    }

    // RFC 8011 §4.2.4: the job is durably recorded (incoming, pending-held with job-incoming, as CUPS does: it may not
    // print before its last document) before its job-id goes back; Send-Document adds the documents.
    private async Task CreateJobAsync(IppMessage request, IppRequestContext context, IppResponse response, CancellationToken ct)
    {
        var queue = _targets.ResolvePrinter(request, context);
        var ticket = JobTicketReader.Read(request, response.Unsupported);
        Answer(await _intake.CreateJobAsync(NewJobOf(queue, ticket), ct).ConfigureAwait(false), queue, context, response);
    }

    private static NewJob NewJobOf(QueueDefinition queue, JobTicket ticket) => new(queue, ticket.Owner, ticket.Name)
    {
        Priority = ticket.Priority,
        HoldUntil = ticket.HoldUntil,
        Copies = ticket.Copies,
    };

    /// <summary>Describes a job the queue accepted (Print-Job, Create-Job), or turns why it did not into an IPP error.</summary>
    private void Answer(IntakeResult result, QueueDefinition queue, IppRequestContext context, IppResponse response)
    {
        switch (result)
        {
            case IntakeResult.Accepted accepted:
                response.Groups.Add(NewJobAttributes(context).Describe(accepted.Job, JobAttributes.Summary));
                break;
            case IntakeResult.Rejected rejected:
                throw new IppRequestException(rejected.Kind switch
                {
                    Rejection.TooManyJobs => IppStatusCode.ServerErrorTooManyJobs,
                    Rejection.TooManyDocuments => IppStatusCode.ServerErrorTooManyDocuments,
                    _ => IppStatusCode.ClientErrorNotPossible,
                }, $"Queue {queue.Name} rejected the job: {rejected.Reason}.");
            case IntakeResult.Busy busy:
                throw Busy(busy.MaxConcurrent);
            case IntakeResult.DiskLow low:
                throw DiskLow(low.Reason);
            case IntakeResult.TooLarge tooLarge:
                throw TooLarge(queue, tooLarge.Limit);
            case IntakeResult.EmptyDocument:
                throw IppRequestException.BadRequest(
                    "The document is empty: Print-Job needs the document data after the attributes.");
            default:
                throw new InvalidOperationException($"Unexpected intake result {result.GetType().Name}.");
        }
    }

    private static IppRequestException Busy(int maxConcurrent) => new(IppStatusCode.ServerErrorBusy,
        $"The spooler is busy ({maxConcurrent} submissions in progress and more waiting); try again shortly.");

    // RFC 8011 Appendix B.1.5.6 names "a disk full condition" as a server-error-temporary-error: the client retries later.
    // The same status for the free-space floor and for a disk that actually ran full: nothing was stored either way.
    private static IppRequestException DiskLow(string reason) => new(IppStatusCode.ServerErrorTemporaryError,
        $"The spooler takes no new jobs now: {reason}.");

    private static IppRequestException TooLarge(QueueDefinition queue, long limit) => new(IppStatusCode.ClientErrorRequestEntityTooLarge,
        $"The document is larger than queue {queue.Name}'s limit of {limit} bytes; nothing was stored.");

    // RFC 8011 §4.3.1: successful-ok only once the document is stored and the queue has recorded it. The queue hands
    // out the document number first, so it refuses a closed, finished or unknown job before any data is stored.
    private async Task SendDocumentAsync(
        IppMessage request, Stream document, IppRequestContext context, Requester by, IppResponse response, CancellationToken ct)
    {
        var target = await _targets.ResolveJobAsync(request, context, ct).ConfigureAwait(false);
        bool last = IppOperationAttributes.Boolean(request, "last-document")
            ?? throw IppRequestException.BadRequest("Send-Document needs last-document (true for the job's last document).");
        var ticket = JobTicketReader.ReadDocument(request);
        string queue = target.Queue.Name;

        int number = await _gateway.ReserveDocumentAsync(queue, target.JobId, by, ct).ConfigureAwait(false) switch
        {
            Replies.DocumentReserved reserved => reserved.Number,
            Replies.CommandResult refused => throw Refusal(refused, IppOperation.SendDocument, target.JobId),
            var other => throw new InvalidOperationException($"Unexpected answer to ReserveDocument: {other?.GetType().Name ?? "null"}."),
        };
        var stored = await StoreAsync(target.Queue, target.JobId, number, document, ticket, ct).ConfigureAwait(false);

        Replies.CommandResult result;
        if (stored is null)
        {
            // No data: with last-document this is how a client closes the job (RFC 8011 §4.3.1), else a mistake.
            if (!last)
                throw IppRequestException.BadRequest(
                    "The document is empty: Send-Document needs document data unless last-document is true.");
            result = await _gateway.CloseJobAsync(queue, target.JobId, by, ct).ConfigureAwait(false);
            if (result is { Outcome: CommandOutcome.NotPossible, Job: { Incoming: true, Documents.Length: 0 } })
                throw IppRequestException.BadRequest(
                    $"Send-Document has no document data and job {target.JobId} has no document yet: nothing to print.");
        }
        else
        {
            var added = new JobDocument(stored.DocumentNumber, stored.Length, stored.Format, stored.Name);
            result = await _gateway.AddDocumentAsync(new Commands.AddDocument(queue, target.JobId, added, last, by), ct).ConfigureAwait(false);
            // Canceled while its data was on the way (RFC 8011 §4.3.1: server-error-job-canceled).
            if (result is { Outcome: CommandOutcome.NotPossible, Job.State: JobState.Canceled })
                throw new IppRequestException(IppStatusCode.ServerErrorJobCanceled,
                    $"Job {target.JobId} was canceled while its document was being sent; the document was not added.");
        }
        if (result.Outcome != CommandOutcome.Ok)
            throw Refusal(result, IppOperation.SendDocument, target.JobId);
        response.Groups.Add(NewJobAttributes(context).Describe(result.Job!, JobAttributes.Summary));
    }

    /// <summary>Stores one document of a Send-Document; null when the request carried no document data.</summary>
    private Task<StoredDocument?> StoreAsync(
        QueueDefinition queue, long jobId, int number, Stream document, DocumentTicket ticket, CancellationToken ct) =>
        WithDocumentAsync<StoredDocument?>(document, ticket.Compression, async content =>
        {
            try
            {
                return await _gateway.StoreDocumentAsync(jobId, number, content, ticket.Format, ticket.Name, queue.MaxDocumentBytes, ct).ConfigureAwait(false);
            }
            catch (EmptyDocumentException)
            {
                return null;
            }
            catch (DocumentTooLargeException e)
            {
                throw TooLarge(queue, e.Limit);
            }
            catch (StorageFullException e)
            {
                throw DiskLow(_intake.DiskFull(e));
            }
        }, ct);

    /// <summary>
    /// Hands the request's document data to <paramref name="store"/>, decompressed as it streams (size limits apply
    /// to what will print). Data that cannot be decompressed or read is the client's error; nothing is stored then.
    /// </summary>
    private static async Task<T> WithDocumentAsync<T>(Stream document, string compression, Func<Stream, Task<T>> store, CancellationToken ct)
    {
        await using var content = Decompressed(document, compression);
        try
        {
            return await store(content).ConfigureAwait(false);
        }
        catch (InvalidDataException e) when (compression != "none")
        {
            throw new IppRequestException(IppStatusCode.ClientErrorCompressionError,
                $"The document could not be decompressed as {compression}: {e.Message} Nothing was stored.");
        }
        catch (IOException e) when (!ct.IsCancellationRequested)
        {
            // The body broke off (client disconnect, bad chunking): the client's problem, not the spooler's.
            throw IppRequestException.BadRequest($"The document data could not be read: {e.Message}");
        }
    }

    private static Stream Decompressed(Stream document, string compression) => compression switch
    {
        "gzip" => new GZipStream(document, CompressionMode.Decompress, leaveOpen: true),
        "deflate" => new ZLibStream(document, CompressionMode.Decompress, leaveOpen: true), // IPP deflate = RFC 1950
        _ => new NonClosingStream(document),
    };

    // Identify-Printer (PWG 5100.13): the queue has no panel or beeper of its own, so identifying succeeds silently.
    private Task IdentifyPrinter(IppMessage request, IppRequestContext context)
    {
        _targets.ResolvePrinter(request, context);
        return Task.CompletedTask;
    }

    // Pause-Printer / Resume-Printer (RFC 8011 §4.3.7–4.3.8) pause the queue: it keeps accepting jobs, dispatches none.
    // Only an authenticated admin may (the queue's rules decide).
    private async Task PauseOrResumeAsync(IppMessage request, IppRequestContext context, Requester by, bool pause, CancellationToken ct)
    {
        var queue = _targets.ResolvePrinter(request, context);
        var answer = pause
            ? await _gateway.PauseQueueAsync(queue.Name, by, ct).ConfigureAwait(false)
            : await _gateway.ResumeQueueAsync(queue.Name, by, ct).ConfigureAwait(false);
        if (answer is Replies.CommandResult refused)
            throw Refusal(refused, request.Operation, jobId: null);
    }

    // Cancel-My-Jobs (PWG 5100.11 §4.2): the requesting user's not-completed jobs of the queue, or those in job-ids.
    private async Task CancelMyJobsAsync(IppMessage request, IppRequestContext context, Requester by, CancellationToken ct)
    {
        var queue = _targets.ResolvePrinter(request, context);
        string user = by.Name;
        var jobIds = JobIds(request);
        JobRecord[] jobs;
        if (jobIds is null)
        {
            jobs = await _gateway.GetJobsAsync(queue.Name, JobFilter.NotCompleted, user, 0, ct).ConfigureAwait(false);
        }
        else
        {
            // Every listed job must be cancelable, or none is canceled.
            var found = new List<JobRecord>();
            var refused = new List<int>();
            foreach (int id in jobIds)
            {
                var job = await _gateway.GetJobAsync(queue.Name, id, ct).ConfigureAwait(false);
                if (job is null || !string.Equals(job.Owner, user, StringComparison.OrdinalIgnoreCase) || job.State.IsTerminal())
                    refused.Add(id);
                else
                    found.Add(job);
            }
            if (refused.Count > 0)
                throw new IppRequestException(IppStatusCode.ClientErrorNotPossible,
                    $"These jobs are not {user}'s not-completed jobs of queue {queue.Name}: {string.Join(", ", refused)}; none was canceled.",
                    IppAttribute.Integer("job-ids", [.. refused]));
            jobs = [.. found];
        }
        // A job that finished meanwhile (NotPossible) or vanished (NotFound) needs no cancel: not an error.
        foreach (var job in jobs)
            await _gateway.CancelJobAsync(queue.Name, job.JobId, by, ct: ct).ConfigureAwait(false);
    }

    // Purge-Jobs (RFC 8011 §4.3.9): an admin cancels every not-completed job of the queue; job history is kept.
    private async Task PurgeJobsAsync(IppMessage request, IppRequestContext context, Requester by, CancellationToken ct)
    {
        var queue = _targets.ResolvePrinter(request, context);
        var result = await _gateway.PurgeJobsAsync(queue.Name, by, ct).ConfigureAwait(false);
        if (result.Outcome != CommandOutcome.Ok)
            throw Refusal(result, request.Operation, jobId: null);
    }

    private static int[]? JobIds(IppMessage request)
    {
        var attribute = request.FindOperationAttribute("job-ids");
        if (attribute is null)
            return null;
        if (attribute.Tag != IppTag.Integer || attribute.Values.Any(v => v.Tag != IppTag.Integer))
            throw IppRequestException.BadRequest("job-ids must hold integer values.");
        return [.. attribute.Values.Select(v => v.AsInt())];
    }

    // Validate-Job runs the Print-Job checks without creating a job (RFC 8011 §4.2.3).
    private Task ValidateJob(IppMessage request, IppRequestContext context, IppResponse response)
    {
        _targets.ResolvePrinter(request, context);
        JobTicketReader.Read(request, response.Unsupported);
        return Task.CompletedTask;
    }

    private async Task GetPrinterAttributesAsync(
        IppMessage request, IppRequestContext context, IppResponse response, CancellationToken ct)
    {
        var queue = _targets.ResolvePrinter(request, context);
        response.Groups.Add(await DescribePrinterAsync(queue, RequestedAttributes.From(request, AttributeGroups.All), context, ct).ConfigureAwait(false));
    }

    private async Task<IppAttributeGroup> DescribePrinterAsync(
        QueueDefinition queue, RequestedAttributes requested, IppRequestContext context, CancellationToken ct)
    {
        var status = await _gateway.GetQueueStatusAsync(queue.Name, ct).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var state = PrinterState.Of(status);
        var changedAt = _stateHistory.ChangedAt(queue.Name, state, now, _gateway.StartedAt);
        var topology = _topology.Current;
        var device = queue.Printers.Count > 0 ? topology.FindPrinter(queue.Printers[0]) : null;
        var snapshot = new PrinterSnapshot(
            queue, status, state, new IppUris(context), _gateway.StartedAt, changedAt, now, _gateway.MultipleOperationTimeout,
            device is null ? null : DeviceUriOf(device.Uri),
            string.Equals(topology.DefaultQueue, queue.Name, StringComparison.OrdinalIgnoreCase));
        return PrinterAttributes.Describe(snapshot, requested);
    }

    /// <summary>The device uri as configured, without a password in it (everyone may read device-uri, as in CUPS).</summary>
    private static string DeviceUriOf(Uri uri) =>
        uri.UserInfo.Contains(':') ? new UriBuilder(uri) { Password = string.Empty }.Uri.ToString() : uri.OriginalString;

    private async Task GetJobsAsync(IppMessage request, IppRequestContext context, IppResponse response, CancellationToken ct)
    {
        var queue = _targets.ResolvePrinterOrAll(request, context);
        var which = IppOperationAttributes.Keyword(request, "which-jobs") switch
        {
            null or "not-completed" => JobFilter.NotCompleted,
            "completed" => JobFilter.Completed,
            "all" => JobFilter.All,
            var other => throw IppRequestException.NotSupported(
                $"which-jobs '{other}' is not supported; use not-completed, completed or all.",
                IppAttribute.Keyword("which-jobs", other)),
        };
        int limit = IppOperationAttributes.Integer(request, "limit") switch
        {
            // Not asked for a limit: at most get-jobs-default, so a casual Get-Jobs on a deep backlog stays small (CUPS
            // returns every job: 100,000 of them were 26.7 MB). Asked for more than get-jobs-max: that many (limit is the
            // most the client will take, RFC 8011 §4.2.6.1; a client cannot tell a capped list from a short queue).
            null => _limits.GetJobsDefault,
            > 0 and var value => Math.Min(value, _limits.GetJobsMax),
            var value => throw IppRequestException.NotSupported(
                $"limit must be at least 1, not {value}.", IppAttribute.Integer("limit", value.Value)),
        };
        string? owner = IppOperationAttributes.Boolean(request, "my-jobs") == true
            ? IppOperationAttributes.RequestingUser(request)
            : null;
        var requested = RequestedAttributes.From(request, "job-uri", "job-id");

        var queues = queue is null ? _topology.Current.QueueNames : [queue.Name];
        var jobs = new List<JobRecord>();
        foreach (var name in queues)
        {
            if (limit > 0 && jobs.Count >= limit) break;
            jobs.AddRange(await _gateway.GetJobsAsync(name, which, owner, limit > 0 ? limit - jobs.Count : 0, ct).ConfigureAwait(false));
        }
        var describer = NewJobAttributes(context);
        foreach (var job in jobs)
            response.Groups.Add(describer.Describe(job, requested));
    }

    private async Task GetJobAttributesAsync(
        IppMessage request, IppRequestContext context, IppResponse response, CancellationToken ct)
    {
        var target = await _targets.ResolveJobAsync(request, context, ct).ConfigureAwait(false);
        var requested = RequestedAttributes.From(request, AttributeGroups.All);
        var job = await _gateway.GetJobAsync(target.Queue.Name, target.JobId, ct).ConfigureAwait(false)
            ?? throw IppRequestException.NotFound($"There is no job {target.JobId}.");
        response.Groups.Add(NewJobAttributes(context).Describe(job, requested));
    }

    /// <summary>A job operation answered by a CommandResult; with <paramref name="response"/> the job is described.</summary>
    private async Task JobCommandAsync(
        IppMessage request, IppRequestContext context, IppResponse? response,
        Func<JobTarget, Task<Replies.CommandResult>> command, CancellationToken ct)
    {
        var target = await _targets.ResolveJobAsync(request, context, ct).ConfigureAwait(false);
        var result = await command(target).ConfigureAwait(false);
        if (result.Outcome != CommandOutcome.Ok)
            throw Refusal(result, request.Operation, target.JobId);
        if (response is not null && result.Job is { } job)
            response.Groups.Add(NewJobAttributes(context).Describe(job, JobAttributes.Summary));
    }

    private static IppRequestException Refusal(Replies.CommandResult result, IppOperation operation, long? jobId) => result.Outcome switch
    {
        CommandOutcome.NotFound => IppRequestException.NotFound(result.Message ?? $"There is no job {jobId}."),
        CommandOutcome.NotPossible => new IppRequestException(IppStatusCode.ClientErrorNotPossible,
            result.Message ?? $"{operation} is not possible for job {jobId} now."),
        CommandOutcome.NotAuthorized => new IppRequestException(IppStatusCode.ClientErrorNotAuthorized,
            result.Message ?? $"{operation} is not allowed for this user."),
        CommandOutcome.NotAuthenticated => new IppRequestException(IppStatusCode.ClientErrorNotAuthenticated,
            result.Message ?? $"{operation} needs an authenticated admin."),
        CommandOutcome.TooManyDocuments => new IppRequestException(IppStatusCode.ServerErrorTooManyDocuments,
            result.Message ?? $"Job {jobId} takes no more documents."),
        _ => throw new InvalidOperationException($"Unexpected command outcome {result.Outcome}."),
    };

    private JobAttributes NewJobAttributes(IppRequestContext context) =>
        new(new IppUris(context), _gateway.StartedAt, _time.GetUtcNow());

    // Without a complete header the answer cannot echo the request; version 1.1 is what every client reads.
    private static IppMessage ParseFailure(IppHeaderRecorder recorder, IppStatusCode status, string message)
    {
        var (major, minor, requestId) = recorder.Header ?? (1, 1, 0);
        return IppResponse.Error(status, message).ToMessage(major, minor, requestId);
    }
}

/// <summary>The gateway's topology, for a service built without a live one (tests, tools).</summary>
internal sealed class GatewayTopology(ISpoolGateway gateway) : ILiveTopology
{
    public SpoolTopology Current => gateway.Topology;

    public long Version => 0;

    public bool IsLive => false;

    public IDisposable Subscribe(Action<SpoolTopology> changed) => new FixedTopology(gateway.Topology).Subscribe(changed);
}

/// <summary>Passes reads through but leaves the request body open when disposed (uncompressed documents).</summary>
internal sealed class NonClosingStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => inner.ReadAsync(buffer, offset, count, ct);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) => inner.ReadAsync(buffer, ct);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
