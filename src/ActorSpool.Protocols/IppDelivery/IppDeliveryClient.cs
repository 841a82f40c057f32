using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Printers;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.IppDelivery;

/// <summary>
/// Delivers jobs to an IPP printer (RFC 8011 over HTTP, RFC 8010), the way CUPS's ipp backend does: optionally ask
/// the printer first (Get-Printer-Attributes), submit — one document with Print-Job, several with Create-Job +
/// Send-Document, or one Print-Job per document when the printer has no Create-Job or no multi-document jobs — then
/// poll Get-Job-Attributes until the job is completed. A job that ends aborted or canceled, a printer that is
/// busy, stopped or not accepting jobs, and a job that outlasts the job timeout fail the delivery with a
/// <see cref="PrinterDeliveryException"/> whose <see cref="IppDeviceException"/> inner exception carries the IPP
/// status and the device's reasons (media-empty, offline, ...).
/// </summary>
public static class IppDeliveryClient
{
    /// <summary>Consecutive failed polls (connection trouble, busy answers) tolerated before the delivery fails.</summary>
    private const int MaxConsecutivePollFailures = 3;

    private static readonly string[] PrinterAttributes =
    [
        "printer-state", "printer-state-reasons", "printer-state-message", "printer-is-accepting-jobs",
        "operations-supported", "multiple-document-jobs-supported", "document-format-supported", "printer-make-and-model",
        "copies-supported", "multiple-document-handling-supported",
    ];

    private static readonly string[] JobAttributes = ["job-id", "job-state", "job-state-reasons", "job-state-message"];

    /// <summary>Submits <paramref name="documents"/> as one job (or one job per document: see the class summary) and waits for it.</summary>
    /// <param name="printerUri">ipp://, ipps://, http:// or https:// address of the printer (port 631 when none is given).</param>
    /// <param name="documents">Opens each document; each stream is disposed once sent. A source may be opened again when
    /// the client must resubmit (falling back from Create-Job to one Print-Job per document).</param>
    /// <exception cref="PrinterDeliveryException">Every delivery failure. Connection failures are classified like the AppSocket
    /// client's (<see cref="DeliveryFailureKind.ConnectionRefused"/>, <see cref="DeliveryFailureKind.ConnectTimeout"/>,
    /// <see cref="DeliveryFailureKind.ConnectionReset"/>, <see cref="DeliveryFailureKind.IdleTimeout"/> for a stalled request);
    /// printer-side failures are <see cref="DeliveryFailureKind.Other"/> with an <see cref="IppDeviceException"/> inner
    /// exception — except the job timeout, <see cref="DeliveryFailureKind.CloseWaitTimeout"/> (everything was sent, the
    /// device did not confirm in time: AppSocket's close-wait in IPP terms). Unreadable documents set
    /// <see cref="PrinterDeliveryException.IsDocumentFailure"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled (jobs already created are cancelled
    /// on the printer, best effort, when <see cref="IppDeliveryOptions.CancelJobOnFailure"/>).</exception>
    public static async Task<IppDeliveryResult> SendAsync(
        Uri printerUri,
        IReadOnlyList<Func<CancellationToken, Task<Stream>>> documents,
        IppDeliveryOptions options,
        CancellationToken ct)
    {
        ValidateUri(printerUri);
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(options);
        if (documents.Count == 0)
        {
            throw new ArgumentException("A job needs at least one document.", nameof(documents));
        }

        for (var i = 0; i < documents.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(documents[i], $"{nameof(documents)}[{i}]");
        }

        ValidateOptions(options);
        ct.ThrowIfCancellationRequested();

        using var session = new Session(printerUri, options);
        IppPrinterStatus? printer = null;
        if (options.CheckPrinterFirst)
        {
            printer = await session.GetPrinterStatusAsync(ct).ConfigureAwait(false);
            if (!printer.IsAcceptingJobs)
            {
                throw session.Failure(IppFailureCategory.NotAcceptingJobs,
                    $"IPP printer {session.Endpoint} is not accepting jobs", null, null, printer.StateReasons);
            }

            if (options.FailWhenPrinterStopped && printer.State == PrinterState.Stopped)
            {
                throw session.Failure(IppFailureCategory.NotPossible,
                    $"IPP printer {session.Endpoint} is stopped" + (printer.StateMessage is { Length: > 0 } m ? $" ({m})" : string.Empty),
                    null, null, printer.StateReasons);
            }
        }

        // Copies the printer cannot be asked for are made by sending documents again, which may turn one document
        // into several: the plan decides between Print-Job, Create-Job and one Print-Job per document.
        var oneJob = IppCopyPlan.For(documents.Count, options.Copies, options.UncollatedCopies, printer, oneJobPerDocument: false);
        var jobPerDocument = printer is not null && (!printer.SupportsCreateJob || printer.MultipleDocumentJobsSupported == false);
        var submission = new Submission(session, documents, options);
        try
        {
            if (oneJob.Documents.Count == 1)
            {
                await submission.PrintEachAsync(oneJob, ct).ConfigureAwait(false);
            }
            else if (jobPerDocument || !await submission.TryCreateJobAsync(oneJob, ct).ConfigureAwait(false))
            {
                var eachAlone = IppCopyPlan.For(documents.Count, options.Copies, options.UncollatedCopies, printer, oneJobPerDocument: true);
                await submission.PrintEachAsync(eachAlone, ct).ConfigureAwait(false);
            }

            if (!options.WaitForCompletion)
            {
                return submission.Result(JobState.Pending, [], null, assumed: false);
            }

            return await submission.WaitAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (options.CancelJobOnFailure && submission.OpenJobs.Count > 0 &&
                                  (e is OperationCanceledException or PrinterDeliveryException))
        {
            await session.TryCancelJobsAsync(submission.OpenJobs).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Get-Printer-Attributes: the printer's state, reasons, whether it accepts jobs, and what it supports.</summary>
    /// <exception cref="PrinterDeliveryException">Not reachable, or the printer answered with an error status.</exception>
    public static async Task<IppPrinterStatus> ProbeAsync(Uri printerUri, IppDeliveryOptions? options = null, CancellationToken ct = default)
    {
        ValidateUri(printerUri);
        options ??= IppDeliveryOptions.Default;
        ValidateOptions(options);
        using var session = new Session(printerUri, options);
        return await session.GetPrinterStatusAsync(ct).ConfigureAwait(false);
    }

    /// <summary>The IPP keyword of a status code, e.g. <c>server-error-busy</c> (hex for codes this codec does not name).</summary>
    public static string StatusKeyword(IppStatusCode status)
    {
        if (!Enum.IsDefined(status))
        {
            return $"0x{(ushort)status:X4}";
        }

        var name = status.ToString();
        var text = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                text.Append('-');
            }

            text.Append(char.ToLowerInvariant(name[i]));
        }

        return text.ToString();
    }

    private static void ValidateUri(Uri printerUri)
    {
        ArgumentNullException.ThrowIfNull(printerUri);
        if (!printerUri.IsAbsoluteUri || printerUri.Scheme is not ("ipp" or "ipps" or "http" or "https") || string.IsNullOrEmpty(printerUri.Host))
        {
            throw new ArgumentException($"'{printerUri}' is not an ipp://, ipps://, http:// or https:// printer address.", nameof(printerUri));
        }
    }

    private static void ValidateOptions(IppDeliveryOptions options)
    {
        ValidateTimeout(options.ConnectTimeout, nameof(options.ConnectTimeout));
        ValidateTimeout(options.RequestTimeout, nameof(options.RequestTimeout));
        ValidateTimeout(options.IdleTimeout, nameof(options.IdleTimeout));
        ValidateTimeout(options.JobTimeout, nameof(options.JobTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero, nameof(options.PollInterval));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.User, nameof(options.User));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.JobName, nameof(options.JobName));
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DocumentFormat, nameof(options.DocumentFormat));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, 1, nameof(options.BufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Copies, 1, nameof(options.Copies));
    }

    private static void ValidateTimeout(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(name, value, "Timeouts must be positive (or Timeout.InfiniteTimeSpan).");
        }
    }

    private static bool IsSuccess(IppStatusCode status) => (ushort)status < 0x0100;

    private static string? StatusMessage(IppMessage response) => TextOf(response.FindOperationAttribute("status-message"));

    private static string[] Keywords(IppAttribute? attribute) => attribute is null
        ? []
        : attribute.Values.Where(v => v.Value is string).Select(v => (string)v.Value!).Where(k => k != "none").ToArray();

    private static string? TextOf(IppAttribute? attribute) => attribute?.Value.Value switch
    {
        string s => s.Trim(),
        IppStringWithLanguage l => l.Text.Trim(),
        _ => null,
    };

    /// <summary>The documents of one delivery and the jobs created for them.</summary>
    private sealed class Submission(Session session, IReadOnlyList<Func<CancellationToken, Task<Stream>>> documents, IppDeliveryOptions options)
    {
        private readonly List<int> _jobIds = [];
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private IppSubmissionMethod _method;
        private long _bytes;
        private int _deviceCopies = 1;
        private int _documentsSent;

        /// <summary>Jobs created and not known to be finished: what to cancel if the delivery fails.</summary>
        public List<int> OpenJobs { get; } = [];

        /// <summary>One Print-Job per document of the plan.</summary>
        public async Task PrintEachAsync(IppCopyPlan plan, CancellationToken ct)
        {
            var count = plan.Documents.Count;
            _method = count == 1 ? IppSubmissionMethod.PrintJob : IppSubmissionMethod.PrintJobPerDocument;
            for (var i = 0; i < count; i++)
            {
                var request = session.NewRequest(IppOperation.PrintJob);
                request.OperationAttributes!
                    .Add(IppAttribute.NameWithoutLanguage("job-name", options.JobName))
                    .Add(IppAttribute.MimeMediaType("document-format", options.DocumentFormat));
                AddJobTemplate(request, plan);
                var what = count == 1 ? "Print-Job" : $"Print-Job for document {i + 1} of {count}";
                var (response, sent) = await SubmitAsync(request, documents[plan.Documents[i]], what, ct).ConfigureAwait(false);
                if (!IsSuccess(response.Status))
                {
                    throw await session.OperationFailureAsync(response, what, null, ct).ConfigureAwait(false);
                }

                Created(JobIdOf(response, what));
                _bytes += sent;
                _documentsSent++;
            }

            _deviceCopies = plan.Copies;
        }

        /// <summary>Create-Job + Send-Document; false when the printer turns out not to support it (nothing left on the printer).</summary>
        public async Task<bool> TryCreateJobAsync(IppCopyPlan plan, CancellationToken ct)
        {
            var create = session.NewRequest(IppOperation.CreateJob);
            create.OperationAttributes!.Add(IppAttribute.NameWithoutLanguage("job-name", options.JobName));
            AddJobTemplate(create, plan);
            var (created, _) = await SubmitAsync(create, null, "Create-Job", ct).ConfigureAwait(false);
            if (created.Status == IppStatusCode.ServerErrorOperationNotSupported)
            {
                return false;
            }

            if (!IsSuccess(created.Status))
            {
                throw await session.OperationFailureAsync(created, "Create-Job", null, ct).ConfigureAwait(false);
            }

            var jobId = JobIdOf(created, "Create-Job");
            Created(jobId);
            _method = IppSubmissionMethod.CreateJobSendDocument;
            long bytes = 0;
            var count = plan.Documents.Count;
            for (var i = 0; i < count; i++)
            {
                var last = i == count - 1;
                var send = session.NewRequest(IppOperation.SendDocument);
                send.OperationAttributes!
                    .Add(IppAttribute.Integer("job-id", jobId))
                    .Add(IppAttribute.MimeMediaType("document-format", options.DocumentFormat))
                    .Add(IppAttribute.Boolean("last-document", last));
                var what = $"Send-Document {i + 1} of {count} for job {jobId}";
                var (response, sent) = await SubmitAsync(send, documents[plan.Documents[i]], what, ct).ConfigureAwait(false);
                if (response.Status is IppStatusCode.ServerErrorMultipleDocumentJobsNotSupported or IppStatusCode.ServerErrorOperationNotSupported)
                {
                    // The printer takes one document per job after all: withdraw this job and print each document on its own.
                    await session.TryCancelJobsAsync([jobId]).ConfigureAwait(false);
                    _jobIds.Remove(jobId);
                    OpenJobs.Remove(jobId);
                    return false;
                }

                if (!IsSuccess(response.Status))
                {
                    throw await session.OperationFailureAsync(response, what, jobId, ct).ConfigureAwait(false);
                }

                bytes += sent;
            }

            _bytes += bytes;
            _documentsSent += count;
            _deviceCopies = plan.Copies;
            return true;
        }

        /// <summary>The job template group (RFC 8010 §3.1.1: after the operation attributes) when the plan asks the printer for copies.</summary>
        private static void AddJobTemplate(IppMessage request, IppCopyPlan plan)
        {
            if (plan.Copies == 1)
            {
                return;
            }

            var template = request.AddGroup(IppTag.JobAttributes).Add(IppAttribute.Integer("copies", plan.Copies));
            if (plan.MultipleDocumentHandling is { } handling)
            {
                template.Add(IppAttribute.Keyword("multiple-document-handling", handling));
            }
        }

        /// <summary>Polls every job until it is completed; fails on aborted, canceled or the job timeout.</summary>
        public async Task<IppDeliveryResult> WaitAsync(CancellationToken ct)
        {
            string[] reasons = [];
            string? message = null;
            var assumed = false;
            foreach (var jobId in _jobIds)
            {
                var failures = 0;
                while (true)
                {
                    JobStatus status;
                    try
                    {
                        status = await session.GetJobStatusAsync(jobId, ct).ConfigureAwait(false);
                        failures = 0;
                    }
                    catch (PrinterDeliveryException e) when (IsPollRetryable(e) && ++failures < MaxConsecutivePollFailures)
                    {
                        await DelayOrTimeoutAsync(jobId, null, ct).ConfigureAwait(false);
                        continue;
                    }

                    if (status.Gone)
                    {
                        assumed = true;
                        reasons = [];
                        message = null;
                        OpenJobs.Remove(jobId);
                        break;
                    }

                    reasons = status.Reasons;
                    message = status.Message;
                    if (status.State == JobState.Completed)
                    {
                        OpenJobs.Remove(jobId);
                        break;
                    }

                    if (status.State is JobState.Aborted or JobState.Canceled)
                    {
                        OpenJobs.Remove(jobId);
                        var printerReasons = await session.TryGetPrinterReasonsAsync(ct).ConfigureAwait(false);
                        var category = status.State == JobState.Aborted ? IppFailureCategory.JobAborted : IppFailureCategory.JobCanceled;
                        throw session.Failure(category,
                            $"IPP printer {session.Endpoint}: job {jobId} was {status.State.ToKeyword()}" + Detail(status.Message),
                            null, jobId, status.Reasons.Concat(printerReasons).Distinct().ToArray(), status.State, status.Message);
                    }

                    await DelayOrTimeoutAsync(jobId, status, ct).ConfigureAwait(false);
                }
            }

            return Result(JobState.Completed, reasons, message, assumed);
        }

        /// <summary>
        /// Sends a submitting request; while the printer answers busy (server-error-busy, -service-unavailable,
        /// -temporary-error: e.g. a printer without a queue that is still printing another job), sends it again every
        /// poll interval, as CUPS's ipp backend does, until the job timeout.
        /// </summary>
        private async Task<(IppMessage Response, long DocumentBytes)> SubmitAsync(
            IppMessage request, Func<CancellationToken, Task<Stream>>? document, string what, CancellationToken ct)
        {
            while (true)
            {
                var (response, sent) = await session.SendAsync(request, document, what, ct).ConfigureAwait(false);
                if (response.Status is not (IppStatusCode.ServerErrorBusy or IppStatusCode.ServerErrorServiceUnavailable or IppStatusCode.ServerErrorTemporaryError)
                    || Remaining() is var remaining && remaining != Timeout.InfiniteTimeSpan && remaining <= options.PollInterval)
                {
                    return (response, sent);
                }

                await Task.Delay(options.PollInterval, ct).ConfigureAwait(false);
                request.RequestId = session.NextRequestId();
            }
        }

        private TimeSpan Remaining() =>
            options.JobTimeout == Timeout.InfiniteTimeSpan ? Timeout.InfiniteTimeSpan : options.JobTimeout - _clock.Elapsed;

        public IppDeliveryResult Result(JobState state, string[] reasons, string? message, bool assumed) =>
            new(_jobIds[0], state, _jobIds.ToArray(), _method, _bytes, reasons, message, assumed)
            {
                DeviceCopies = _deviceCopies,
                DocumentsSent = _documentsSent,
            };

        private void Created(int jobId)
        {
            _jobIds.Add(jobId);
            OpenJobs.Add(jobId);
        }

        private async Task DelayOrTimeoutAsync(int jobId, JobStatus? status, CancellationToken ct)
        {
            var remaining = Remaining();
            if (remaining != Timeout.InfiniteTimeSpan && remaining <= TimeSpan.Zero)
            {
                var printerReasons = await session.TryGetPrinterReasonsAsync(ct).ConfigureAwait(false);
                var state = status?.State;
                var inner = new IppDeviceException(IppFailureCategory.JobTimeout,
                    $"job {jobId} did not complete within {options.JobTimeout}", null,
                    (status?.Reasons ?? []).Concat(printerReasons).Distinct().ToArray(), state, jobId, status?.Message);
                throw new PrinterDeliveryException(DeliveryFailureKind.CloseWaitTimeout,
                    $"IPP printer {session.Endpoint}: job {jobId} did not complete within {options.JobTimeout.TotalSeconds:0.###} s" +
                    (state is { } s ? $" (last job-state {s.ToKeyword()})" : string.Empty) + ReasonsText(inner.DeviceReasons) + Detail(status?.Message) + ".",
                    inner);
            }

            var delay = remaining == Timeout.InfiniteTimeSpan || options.PollInterval < remaining ? options.PollInterval : remaining;
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }

        private static bool IsPollRetryable(PrinterDeliveryException e) =>
            e.Kind is DeliveryFailureKind.ConnectionReset or DeliveryFailureKind.IdleTimeout or DeliveryFailureKind.ConnectTimeout
                or DeliveryFailureKind.ConnectionRefused
            || e.IppFailure is { Category: IppFailureCategory.Busy };

        private int JobIdOf(IppMessage response, string what)
        {
            if (response.JobAttributes?.Find("job-id")?.Value.Value is int id && id > 0)
            {
                return id;
            }

            throw session.Failure(IppFailureCategory.Protocol, $"IPP printer {session.Endpoint} answered {what} without a job-id", response.Status, null, []);
        }
    }

    private static string Detail(string? message) => string.IsNullOrWhiteSpace(message) ? string.Empty : $": {message}";

    private static string ReasonsText(string[] reasons) => reasons.Length == 0 ? string.Empty : $"; device reasons: {string.Join(", ", reasons)}";

    private sealed record JobStatus(JobState State, string[] Reasons, string? Message, bool Gone);

    /// <summary>One delivery's HTTP connection(s) to the printer and its request plumbing.</summary>
    private sealed class Session : IDisposable
    {
        private readonly string _printerUri;
        private readonly Uri _httpAddress;
        private readonly IppDeliveryOptions _options;
        private readonly HttpClient _http;
        private readonly List<Socket> _sockets = [];
        private int _requestId;
        private byte _versionMinor;
        private byte _versionMajor = 2;

        public Session(Uri printerUri, IppDeliveryOptions options)
        {
            _printerUri = IppForm(printerUri);
            _options = options;
            _httpAddress = IppClient.HttpAddress(printerUri);
            Endpoint = printerUri.ToString();
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = ConnectAsync,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
                AllowAutoRedirect = false,
                UseCookies = false,
                UseProxy = false,
            };
            if (options.AcceptAnyCertificate)
            {
                handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
            }

            _http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        }

        public string Endpoint { get; }

        public void Dispose() => _http.Dispose();

        /// <summary>printer-uri is an ipp:// or ipps:// URI (RFC 8011 §4.1.5) even when the printer was given as http(s)://.</summary>
        private static string IppForm(Uri uri)
        {
            if (uri.Scheme is "ipp" or "ipps")
            {
                return uri.ToString();
            }

            return new UriBuilder(uri) { Scheme = uri.Scheme == "https" ? "ipps" : "ipp", Port = uri.Port }.Uri.ToString();
        }

        public int NextRequestId() => Interlocked.Increment(ref _requestId);

        public IppMessage NewRequest(IppOperation operation)
        {
            var request = new IppMessage
            {
                VersionMajor = _versionMajor,
                VersionMinor = _versionMinor,
                Code = (short)operation,
                RequestId = Interlocked.Increment(ref _requestId),
            };
            request.AddGroup(IppTag.OperationAttributes)
                .Add(IppAttribute.Charset("attributes-charset", "utf-8"))
                .Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en"))
                .Add(IppAttribute.Uri("printer-uri", _printerUri))
                .Add(IppAttribute.NameWithoutLanguage("requesting-user-name", _options.User));
            return request;
        }

        public async Task<IppPrinterStatus> GetPrinterStatusAsync(CancellationToken ct)
        {
            var response = await GetPrinterAttributesAsync(ct).ConfigureAwait(false);
            if (response.Status == IppStatusCode.ServerErrorVersionNotSupported && _versionMinor == 0)
            {
                // An IPP/1.1-only printer: speak 1.1 for the rest of the session.
                _versionMajor = 1;
                _versionMinor = 1;
                response = await GetPrinterAttributesAsync(ct).ConfigureAwait(false);
            }

            if (!IsSuccess(response.Status))
            {
                throw await OperationFailureAsync(response, "Get-Printer-Attributes", null, ct, askPrinter: false).ConfigureAwait(false);
            }

            var group = response.FindGroup(IppTag.PrinterAttributes);
            var state = group?.Find("printer-state")?.Value.Value is int s && Enum.IsDefined((PrinterState)s) ? (PrinterState)s : PrinterState.Idle;
            var accepting = group?.Find("printer-is-accepting-jobs")?.Value.Value as bool? ?? true;
            var operations = group?.Find("operations-supported")?.Values.Where(v => v.Value is int).Select(v => (IppOperation)(short)(int)v.Value!).ToArray() ?? [];
            var formats = group?.Find("document-format-supported")?.Values.Where(v => v.Value is string).Select(v => (string)v.Value!).ToArray() ?? [];
            var multiple = group?.Find("multiple-document-jobs-supported")?.Value.Value as bool?;
            // copies-supported is rangeOfInteger (RFC 8011 §5.2.5); an IPP/1.0-era printer may give a plain integer.
            var maxCopies = group?.Find("copies-supported")?.Value.Value switch
            {
                IppRange range => range.Upper,
                int max => max,
                _ => (int?)null,
            };
            var handling = group?.Find("multiple-document-handling-supported")?.Values.Where(v => v.Value is string).Select(v => (string)v.Value!).ToArray() ?? [];
            return new IppPrinterStatus(state, Keywords(group?.Find("printer-state-reasons")), accepting,
                TextOf(group?.Find("printer-state-message")), TextOf(group?.Find("printer-make-and-model")), operations, formats, multiple)
            {
                MaxCopies = maxCopies,
                MultipleDocumentHandlingSupported = handling,
            };
        }

        /// <summary>printer-state-reasons for an error report; empty when the printer cannot tell (best effort).</summary>
        public async Task<string[]> TryGetPrinterReasonsAsync(CancellationToken ct)
        {
            try
            {
                var response = await GetPrinterAttributesAsync(ct, "printer-state-reasons").ConfigureAwait(false);
                return IsSuccess(response.Status) ? Keywords(response.FindGroup(IppTag.PrinterAttributes)?.Find("printer-state-reasons")) : [];
            }
            catch (Exception e) when (e is PrinterDeliveryException || (e is OperationCanceledException && !ct.IsCancellationRequested))
            {
                return [];
            }
        }

        public async Task<JobStatus> GetJobStatusAsync(int jobId, CancellationToken ct)
        {
            var request = NewRequest(IppOperation.GetJobAttributes);
            request.OperationAttributes!
                .Add(IppAttribute.Integer("job-id", jobId))
                .Add(IppAttribute.Keyword("requested-attributes", JobAttributes));
            var what = $"Get-Job-Attributes for job {jobId}";
            var (response, _) = await SendAsync(request, null, what, ct).ConfigureAwait(false);
            if (response.Status == IppStatusCode.ClientErrorNotFound)
            {
                return new JobStatus(JobState.Completed, [], null, Gone: true);
            }

            if (!IsSuccess(response.Status))
            {
                throw await OperationFailureAsync(response, what, jobId, ct).ConfigureAwait(false);
            }

            var job = response.JobAttributes;
            if (job?.Find("job-state")?.Value.Value is not int state || !Enum.IsDefined((JobState)state))
            {
                throw Failure(IppFailureCategory.Protocol, $"IPP printer {Endpoint} answered {what} without a valid job-state", response.Status, jobId, []);
            }

            return new JobStatus((JobState)state, Keywords(job.Find("job-state-reasons")), TextOf(job.Find("job-state-message")), Gone: false);
        }

        /// <summary>Cancel-Job for each job, ignoring every error: the delivery is failing anyway.</summary>
        public async Task TryCancelJobsAsync(IEnumerable<int> jobIds)
        {
            foreach (var jobId in jobIds.ToArray())
            {
                try
                {
                    using var cts = new CancellationTokenSource(_options.RequestTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(30) : _options.RequestTimeout);
                    var request = NewRequest(IppOperation.CancelJob);
                    request.OperationAttributes!.Add(IppAttribute.Integer("job-id", jobId));
                    await SendAsync(request, null, $"Cancel-Job for job {jobId}", cts.Token).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Best effort.
                }
            }
        }

        /// <summary>
        /// The exception for an operation the printer answered with an error status; asks the printer for its reasons
        /// when the status points at the printer's condition.
        /// </summary>
        public async Task<PrinterDeliveryException> OperationFailureAsync(IppMessage response, string what, int? jobId, CancellationToken ct, bool askPrinter = true)
        {
            var status = response.Status;
            var category = status switch
            {
                IppStatusCode.ServerErrorBusy or IppStatusCode.ServerErrorServiceUnavailable or IppStatusCode.ServerErrorTemporaryError => IppFailureCategory.Busy,
                IppStatusCode.ServerErrorNotAcceptingJobs => IppFailureCategory.NotAcceptingJobs,
                IppStatusCode.ClientErrorNotPossible => IppFailureCategory.NotPossible,
                IppStatusCode.ServerErrorJobCanceled => IppFailureCategory.JobCanceled,
                _ when (ushort)status is >= 0x0400 and < 0x0500 => IppFailureCategory.Refused,
                _ => IppFailureCategory.DeviceError,
            };
            string[] reasons = [];
            if (askPrinter && category is not IppFailureCategory.Refused)
            {
                reasons = await TryGetPrinterReasonsAsync(ct).ConfigureAwait(false);
            }

            var message = StatusMessage(response);
            return Failure(category, $"IPP printer {Endpoint} refused {what}: {StatusKeyword(status)}" + Detail(message), status, jobId, reasons, statusMessage: message);
        }

        public PrinterDeliveryException Failure(IppFailureCategory category, string message, IppStatusCode? status, int? jobId, string[] reasons,
            JobState? jobState = null, string? statusMessage = null)
        {
            var inner = new IppDeviceException(category, message, status, reasons, jobState, jobId, statusMessage);
            return new PrinterDeliveryException(DeliveryFailureKind.Other, message + ReasonsText(reasons) + ".", inner);
        }

        /// <summary>
        /// Posts one IPP request, with the document when given, and parses the answer. Transport failures become
        /// <see cref="PrinterDeliveryException"/>s classified like the AppSocket client's; an HTTP error status or a
        /// malformed answer is a <see cref="IppFailureCategory.Protocol"/> failure.
        /// </summary>
        /// <returns>The response and the number of document bytes sent.</returns>
        public async Task<(IppMessage Response, long DocumentBytes)> SendAsync(
            IppMessage request, Func<CancellationToken, Task<Stream>>? document, string what, CancellationToken ct)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var content = new IppRequestContent(IppWriter.Write(request), document, $"{what} to {Endpoint}", _options, timeout, ResetConnections);
            timeout.CancelAfter(_options.RequestTimeout);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/ipp");
            using var message = new HttpRequestMessage(HttpMethod.Post, _httpAddress) { Content = content };
            try
            {
                using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    var hint = response.StatusCode switch
                    {
                        HttpStatusCode.UpgradeRequired => " (the printer requires TLS: use ipps://)",
                        HttpStatusCode.Unauthorized => " (the printer requires authentication)",
                        HttpStatusCode.NotFound => " (no printer at that path)",
                        _ => string.Empty,
                    };
                    throw Failure(IppFailureCategory.Protocol,
                        $"IPP printer {Endpoint} answered {what} with HTTP {(int)response.StatusCode} {response.ReasonPhrase}{hint}", null, null, []);
                }

                await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
                var result = await IppParser.ReadAsync(body, timeout.Token).ConfigureAwait(false);
                return (result.Message, content.DocumentBytes);
            }
            catch (Exception e) when (Find<DocumentFailureException>(e) is { } failure)
            {
                ct.ThrowIfCancellationRequested();
                throw failure.ToDeliveryException();
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested && timeout.IsCancellationRequested)
            {
                throw new PrinterDeliveryException(DeliveryFailureKind.IdleTimeout, content.Uploading
                    ? $"IPP printer {Endpoint} took no document data for {_options.IdleTimeout.TotalSeconds:0.###} s during {what} ({content.DocumentBytes} bytes sent)."
                    : $"IPP printer {Endpoint} did not answer {what} within {_options.RequestTimeout.TotalSeconds:0.###} s.");
            }
            catch (IppParseException e)
            {
                throw Failure(IppFailureCategory.Protocol, $"IPP printer {Endpoint} answered {what} with malformed IPP ({e.Message})", null, null, []);
            }
            catch (HttpRequestException e)
            {
                ct.ThrowIfCancellationRequested();
                throw Classify(e, what);
            }
            catch (IOException e)
            {
                // Reading the response body broke off.
                ct.ThrowIfCancellationRequested();
                throw new PrinterDeliveryException(DeliveryFailureKind.ConnectionReset,
                    $"IPP printer {Endpoint} broke off the connection while answering {what} ({e.Message}).", e);
            }
        }

        private async Task<IppMessage> GetPrinterAttributesAsync(CancellationToken ct, params string[] attributes)
        {
            var request = NewRequest(IppOperation.GetPrinterAttributes);
            request.OperationAttributes!.Add(IppAttribute.Keyword("requested-attributes", attributes.Length > 0 ? attributes : PrinterAttributes));
            var (response, _) = await SendAsync(request, null, "Get-Printer-Attributes", ct).ConfigureAwait(false);
            return response;
        }

        private PrinterDeliveryException Classify(HttpRequestException e, string what)
        {
            if (Find<PrinterDeliveryException>(e) is { } connect)
            {
                return connect; // From ConnectAsync: already classified.
            }

            var socket = Find<SocketException>(e);
            var kind = e.HttpRequestError switch
            {
                HttpRequestError.ResponseEnded or HttpRequestError.ConnectionError => DeliveryFailureKind.ConnectionReset,
                _ when socket?.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
                    => DeliveryFailureKind.ConnectionReset,
                _ => DeliveryFailureKind.Other,
            };
            var verb = kind == DeliveryFailureKind.ConnectionReset ? "broke off the connection during" : "failed";
            var detail = Innermost(e).Message;
            return new PrinterDeliveryException(kind, $"IPP printer {Endpoint} {verb} {what} ({e.HttpRequestError}: {detail}).", e);
        }

        private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
        {
            var endpoint = $"{context.DnsEndPoint.Host}:{context.DnsEndPoint.Port}";
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.ConnectTimeout);
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, timeout.Token).ConfigureAwait(false);
                lock (_sockets)
                {
                    _sockets.RemoveAll(s => s.SafeHandle.IsClosed);
                    _sockets.Add(socket);
                }

                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (Exception e) when (!ct.IsCancellationRequested &&
                                      (e is OperationCanceledException || e is SocketException { SocketErrorCode: SocketError.OperationAborted or SocketError.TimedOut }))
            {
                socket.Dispose();
                throw new PrinterDeliveryException(DeliveryFailureKind.ConnectTimeout,
                    $"Connecting to IPP printer {endpoint} timed out after {_options.ConnectTimeout.TotalSeconds:0.###} s.", e as SocketException);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                ct.ThrowIfCancellationRequested();
                var kind = e.SocketErrorCode == SocketError.ConnectionRefused ? DeliveryFailureKind.ConnectionRefused : DeliveryFailureKind.Other;
                var verb = kind == DeliveryFailureKind.ConnectionRefused ? "refused the connection" : "could not be reached";
                throw new PrinterDeliveryException(kind, $"IPP printer {endpoint} {verb} ({e.SocketErrorCode}: {e.Message}).", e);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        /// <summary>
        /// Resets (RST, linger 0) the session's connections. Called when a document upload fails part-way: HttpClient
        /// would close the connection normally, and a lenient server could take the truncated chunked body for a whole
        /// document and print it.
        /// </summary>
        private void ResetConnections()
        {
            lock (_sockets)
            {
                foreach (var socket in _sockets)
                {
                    try
                    {
                        socket.LingerState = new LingerOption(true, 0);
                        socket.Close();
                    }
                    catch (Exception)
                    {
                        // Already closed.
                    }
                }

                _sockets.Clear();
            }
        }

        private static T? Find<T>(Exception? e) where T : Exception
        {
            for (; e is not null; e = e.InnerException)
            {
                if (e is T found)
                {
                    return found;
                }
            }

            return null;
        }

        private static Exception Innermost(Exception e)
        {
            while (e.InnerException is not null)
            {
                e = e.InnerException;
            }

            return e;
        }
    }

    /// <summary>A document source failed (open or read); carried through HttpClient to become a document failure.</summary>
    private sealed class DocumentFailureException(string message, Exception? inner) : Exception(message, inner)
    {
        public PrinterDeliveryException ToDeliveryException() =>
            new(DeliveryFailureKind.Other, Message, InnerException) { IsDocumentFailure = true };
    }

    /// <summary>
    /// The request body: the encoded IPP request, then the document streamed from its source (chunked, as RFC 8010
    /// allows). Each chunk re-arms the idle timeout; once the document is sent the request timeout applies again.
    /// The source is opened when HttpClient asks for the body, so a retried request re-opens it.
    /// </summary>
    private sealed class IppRequestContent(
        byte[] header,
        Func<CancellationToken, Task<Stream>>? document,
        string what,
        IppDeliveryOptions options,
        CancellationTokenSource timeout,
        Action resetConnection) : HttpContent
    {
        private long _documentBytes;
        private volatile bool _uploading;

        public long DocumentBytes => Interlocked.Read(ref _documentBytes);

        public bool Uploading => _uploading;

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken ct)
        {
            await stream.WriteAsync(header, ct).ConfigureAwait(false);
            if (document is null)
            {
                return;
            }

            try
            {
                Interlocked.Exchange(ref _documentBytes, 0);
                _uploading = true;
                Rearm(options.IdleTimeout);
                Stream source;
                try
                {
                    source = await document(ct).ConfigureAwait(false)
                             ?? throw new InvalidOperationException("the document source returned no stream");
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    throw new DocumentFailureException($"Could not open the document of {what}: {e.Message}", e);
                }

                var buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);
                try
                {
                    while (true)
                    {
                        int read;
                        try
                        {
                            read = await source.ReadAsync(buffer.AsMemory(0, options.BufferSize), ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                        {
                            throw new DocumentFailureException($"Could not read the document of {what} after {DocumentBytes} bytes: {e.Message}", e);
                        }

                        if (read == 0)
                        {
                            break;
                        }

                        await stream.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                        Interlocked.Add(ref _documentBytes, read);
                        Rearm(options.IdleTimeout);
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    try
                    {
                        await source.DisposeAsync().ConfigureAwait(false);
                    }
                    catch (Exception)
                    {
                        // A source that fails to close does not affect the delivery.
                    }
                }
            }
            catch (Exception)
            {
                // Failing part-way through the document (unreadable source, cancellation, idle timeout): reset the
                // connection so the printer cannot take the truncated body for a whole document.
                resetConnection();
                throw;
            }

            _uploading = false;
            Rearm(options.RequestTimeout);
        }

        protected override bool TryComputeLength(out long length)
        {
            length = header.Length;
            return document is null;
        }

        private void Rearm(TimeSpan after)
        {
            try
            {
                timeout.CancelAfter(after);
            }
            catch (ObjectDisposedException)
            {
                // The request is over.
            }
        }
    }
}
