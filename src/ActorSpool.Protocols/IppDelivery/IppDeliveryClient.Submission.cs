using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.IppDelivery;

// One job sent over a session: Print-Job, or Create-Job and Send-Document, with copies and compression.
public static partial class IppDeliveryClient
{
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
                    if (status.State == IppJobState.Completed)
                    {
                        OpenJobs.Remove(jobId);
                        break;
                    }

                    if (status.State is IppJobState.Aborted or IppJobState.Canceled)
                    {
                        OpenJobs.Remove(jobId);
                        var printerReasons = await session.TryGetPrinterReasonsAsync(ct).ConfigureAwait(false);
                        var category = status.State == IppJobState.Aborted ? IppFailureCategory.JobAborted : IppFailureCategory.JobCanceled;
                        throw session.Failure(category,
                            $"IPP printer {session.Endpoint}: job {jobId} was {status.State.ToKeyword()}" + Detail(status.Message),
                            null, jobId, status.Reasons.Concat(printerReasons).Distinct().ToArray(), status.State, status.Message);
                    }

                    await DelayOrTimeoutAsync(jobId, status, ct).ConfigureAwait(false);
                }
            }

            return Result(IppJobState.Completed, reasons, message, assumed);
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

        public IppDeliveryResult Result(IppJobState state, string[] reasons, string? message, bool assumed) =>
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

    private sealed record JobStatus(IppJobState State, string[] Reasons, string? Message, bool Gone);
}
