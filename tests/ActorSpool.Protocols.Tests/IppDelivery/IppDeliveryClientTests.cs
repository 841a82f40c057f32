using System.Net;
using System.Net.Sockets;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Protocols.IppDelivery;

namespace ActorSpool.Protocols.Tests.IppDelivery;

/// <summary>
/// <see cref="IppDeliveryClient"/> against <see cref="FakeIppPrinter"/>, for the printer conditions and protocol paths a
/// real ippeveprinter cannot be put in on demand; real sockets on 127.0.0.1 throughout.
/// </summary>
public sealed class IppDeliveryClientTests : IAsyncLifetime
{
    private static readonly IppDeliveryOptions Options = new()
    {
        PollInterval = TimeSpan.FromMilliseconds(50),
        JobTimeout = TimeSpan.FromSeconds(60),
        RequestTimeout = TimeSpan.FromSeconds(30),
        User = "alice",
        JobName = "fake-test",
    };

    private FakeIppPrinter _printer = null!;

    public async Task InitializeAsync() => _printer = await FakeIppPrinter.StartAsync();

    public async Task DisposeAsync() => await _printer.DisposeAsync();

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static Func<CancellationToken, Task<Stream>> Document(byte[] bytes) => _ => Task.FromResult<Stream>(new MemoryStream(bytes, writable: false));

    private Task<IppDeliveryResult> SendAsync(IppDeliveryOptions options, params byte[][] documents) =>
        IppDeliveryClient.SendAsync(_printer.PrinterUri, documents.Select(Document).ToList(), options, CancellationToken.None);

    [Fact]
    public async Task Several_documents_go_as_Create_Job_and_Send_Document_with_last_document_on_the_last()
    {
        var documents = new[] { Bytes(1000, 1), Bytes(70_000, 2), Bytes(10, 3) };

        var result = await SendAsync(Options, documents);

        Assert.Equal(IppSubmissionMethod.CreateJobSendDocument, result.Method);
        Assert.Equal(IppJobState.Completed, result.State);
        var job = Assert.Single(_printer.Jobs.Values);
        Assert.Equal([job.Id], result.JobIds);
        Assert.Equal(documents, job.Documents);
        Assert.Equal([false, false, true], job.LastDocumentFlags);
        Assert.Equal(documents.Sum(d => (long)d.Length), result.BytesSent);
        Assert.Equal(
            [IppOperation.GetPrinterAttributes, IppOperation.CreateJob, IppOperation.SendDocument, IppOperation.SendDocument, IppOperation.SendDocument],
            _printer.OperationsReceived.Take(5));
        var create = _printer.Requests.First(r => r.Message.Operation == IppOperation.CreateJob).Message;
        Assert.Equal("alice", create.FindOperationAttribute("requesting-user-name")!.Value.AsString());
        Assert.Equal("fake-test", create.FindOperationAttribute("job-name")!.Value.AsString());
        Assert.Equal(_printer.PrinterUri.ToString(), create.FindOperationAttribute("printer-uri")!.Value.AsString());
    }

    [Fact]
    public async Task One_document_is_a_Print_Job_with_the_configured_format()
    {
        var bytes = Bytes(5000, 4);

        var result = await SendAsync(Options with { DocumentFormat = "application/pdf" }, bytes);

        Assert.Equal(IppSubmissionMethod.PrintJob, result.Method);
        var print = _printer.Requests.Single(r => r.Message.Operation == IppOperation.PrintJob);
        Assert.Equal(bytes, print.Document);
        Assert.Equal("application/pdf", print.Message.FindOperationAttribute("document-format")!.Value.AsString());
        Assert.Equal("/ipp/print", print.Path);
    }

    [Fact]
    public async Task A_printer_without_Create_Job_gets_one_Print_Job_per_document()
    {
        _printer.Operations.Remove(IppOperation.CreateJob);
        var documents = new[] { Bytes(100, 5), Bytes(200, 6) };

        var result = await SendAsync(Options, documents);

        Assert.Equal(IppSubmissionMethod.PrintJobPerDocument, result.Method);
        Assert.Equal(2, result.JobIds.Count);
        Assert.Equal(documents, result.JobIds.Select(id => _printer.Jobs[id].Documents.Single()));
        Assert.DoesNotContain(IppOperation.CreateJob, _printer.OperationsReceived);
    }

    [Fact]
    public async Task Without_asking_first_an_unsupported_Create_Job_falls_back_to_Print_Job()
    {
        _printer.Operations.Remove(IppOperation.CreateJob);
        var documents = new[] { Bytes(100, 7), Bytes(200, 8) };

        var result = await SendAsync(Options with { CheckPrinterFirst = false }, documents);

        Assert.Equal(IppSubmissionMethod.PrintJobPerDocument, result.Method);
        Assert.Equal(documents, result.JobIds.Select(id => _printer.Jobs[id].Documents.Single()));
        Assert.Equal(IppOperation.CreateJob, _printer.OperationsReceived.First());
    }

    [Fact]
    public async Task A_printer_that_is_not_accepting_jobs_fails_at_once_with_its_reasons()
    {
        _printer.AcceptingJobs = false;
        _printer.PrinterReasons = ["spool-area-full-report"];

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(Options, Bytes(10, 9)));

        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        Assert.Equal(IppFailureCategory.NotAcceptingJobs, e.IppFailure!.Category);
        Assert.True(e.IppFailure!.IsTransient);
        Assert.Equal(["spool-area-full-report"], e.DeviceReasons);
        Assert.Contains("not accepting jobs", e.Message);
        Assert.Contains("spool-area-full-report", e.Message);
        Assert.Empty(_printer.Jobs);
    }

    [Fact]
    public async Task A_stopped_printer_fails_at_once_with_media_empty_and_offline()
    {
        _printer.State = IppPrinterState.Stopped;
        _printer.PrinterReasons = ["media-empty-error", "offline-report"];

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(Options, Bytes(10, 10)));

        Assert.Equal(IppFailureCategory.NotPossible, e.IppFailure!.Category);
        Assert.Equal(["media-empty-error", "offline-report"], e.DeviceReasons);
        Assert.Contains("stopped", e.Message);
        Assert.Contains("media-empty-error, offline-report", e.Message);
        Assert.Empty(_printer.Jobs);
    }

    [Fact]
    public async Task Probe_reports_state_reasons_and_acceptance()
    {
        _printer.State = IppPrinterState.Stopped;
        _printer.PrinterReasons = ["media-empty-error"];
        _printer.AcceptingJobs = false;
        _printer.MultipleDocumentJobs = null;

        var status = await IppDeliveryClient.ProbeAsync(_printer.PrinterUri);

        Assert.Equal(IppPrinterState.Stopped, status.State);
        Assert.Equal(["media-empty-error"], status.StateReasons);
        Assert.False(status.IsAcceptingJobs);
        Assert.Equal("ActorSpool Fake Printer", status.MakeAndModel);
        Assert.Null(status.MultipleDocumentJobsSupported);
        Assert.True(status.SupportsCreateJob);
    }

    [Fact]
    public async Task Busy_answers_are_retried_until_the_printer_takes_the_job()
    {
        var busy = 3;
        _printer.Override = request => Task.FromResult(
            request.Message.Operation == IppOperation.PrintJob && Interlocked.Decrement(ref busy) >= 0
                ? IppMessage.CreateResponse(request.Message, IppStatusCode.ServerErrorBusy, "Currently printing another job.")
                : null);
        var bytes = Bytes(3000, 11);

        var result = await SendAsync(Options, bytes);

        Assert.Equal(IppJobState.Completed, result.State);
        Assert.Equal(4, _printer.OperationsReceived.Count(o => o == IppOperation.PrintJob));
        Assert.Equal(bytes, _printer.Jobs[result.JobId].Documents.Single());
        var ids = _printer.Requests.Where(r => r.Message.Operation == IppOperation.PrintJob).Select(r => r.Message.RequestId).ToArray();
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public async Task A_printer_busy_past_the_job_timeout_fails_as_busy_with_its_reasons()
    {
        _printer.PrinterReasons = ["other-warning"];
        _printer.Override = request => Task.FromResult(request.Message.Operation == IppOperation.PrintJob
            ? IppMessage.CreateResponse(request.Message, IppStatusCode.ServerErrorBusy)
            : null);

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(Options with { JobTimeout = TimeSpan.FromSeconds(1) }, Bytes(10, 12)));

        Assert.Equal(IppFailureCategory.Busy, e.IppFailure!.Category);
        Assert.Equal(IppStatusCode.ServerErrorBusy, e.IppFailure!.Status);
        Assert.True(e.IppFailure!.IsTransient);
        Assert.Equal(["other-warning"], e.DeviceReasons);
        Assert.Contains("server-error-busy", e.Message);
    }

    [Fact]
    public async Task Not_possible_answers_carry_the_printers_reasons()
    {
        _printer.PrinterReasons = ["media-jam-error"];
        _printer.Override = request => Task.FromResult(request.Message.Operation == IppOperation.PrintJob
            ? IppMessage.CreateResponse(request.Message, IppStatusCode.ClientErrorNotPossible, "Paper jam")
            : null);

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(Options, Bytes(10, 13)));

        Assert.Equal(IppFailureCategory.NotPossible, e.IppFailure!.Category);
        Assert.Equal("Paper jam", e.IppFailure!.StatusMessage);
        Assert.Equal(["media-jam-error"], e.DeviceReasons);
        Assert.Contains("client-error-not-possible: Paper jam", e.Message);
    }

    [Fact]
    public async Task A_job_stuck_in_processing_stopped_times_out_with_the_device_reasons_and_is_cancelled()
    {
        _printer.JobStates = [IppJobState.Processing, IppJobState.ProcessingStopped];
        _printer.JobReasons = ["printer-stopped"];
        _printer.PrinterReasons = ["media-empty-error"];

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(Options with { JobTimeout = TimeSpan.FromSeconds(1) }, Bytes(10, 14)));

        Assert.Equal(DeliveryFailureKind.CloseWaitTimeout, e.Kind);
        Assert.Equal(IppFailureCategory.JobTimeout, e.IppFailure!.Category);
        Assert.Equal(IppJobState.ProcessingStopped, e.IppFailure!.JobState);
        Assert.Equal(["printer-stopped", "media-empty-error"], e.DeviceReasons);
        Assert.Contains("processing-stopped", e.Message);
        var job = Assert.Single(_printer.Jobs.Values);
        Assert.True(job.Canceled);
        Assert.Equal(job.Id, e.IppFailure!.JobId);
    }

    [Fact]
    public async Task A_job_canceled_at_the_device_fails_as_canceled()
    {
        _printer.JobStates = [IppJobState.Processing, IppJobState.Canceled];
        _printer.JobReasons = ["job-canceled-at-device"];
        _printer.JobMessage = "Canceled from the front panel";

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(Options, Bytes(10, 15)));

        Assert.Equal(IppFailureCategory.JobCanceled, e.IppFailure!.Category);
        Assert.False(e.IppFailure!.IsTransient);
        Assert.Equal(IppJobState.Canceled, e.IppFailure!.JobState);
        Assert.Contains("job-canceled-at-device", e.DeviceReasons);
        Assert.Contains("Canceled from the front panel", e.Message);
    }

    [Fact]
    public async Task A_job_that_vanishes_from_the_printer_counts_as_completed()
    {
        _printer.Override = request => Task.FromResult(request.Message.Operation == IppOperation.GetJobAttributes
            ? IppMessage.CreateResponse(request.Message, IppStatusCode.ClientErrorNotFound)
            : null);

        var result = await SendAsync(Options, Bytes(10, 16));

        Assert.Equal(IppJobState.Completed, result.State);
        Assert.True(result.CompletionAssumed);
    }

    [Fact]
    public async Task Transient_poll_failures_are_tolerated()
    {
        var failures = 2;
        _printer.Override = request => Task.FromResult(
            request.Message.Operation == IppOperation.GetJobAttributes && Interlocked.Decrement(ref failures) >= 0
                ? IppMessage.CreateResponse(request.Message, IppStatusCode.ServerErrorServiceUnavailable)
                : null);

        var result = await SendAsync(Options, Bytes(10, 17));

        Assert.Equal(IppJobState.Completed, result.State);
    }

    [Fact]
    public async Task Not_waiting_returns_once_the_printer_accepted_the_job()
    {
        _printer.JobStates = [IppJobState.Processing];

        var result = await SendAsync(Options with { WaitForCompletion = false }, Bytes(10, 18));

        Assert.Equal(IppJobState.Pending, result.State);
        Assert.DoesNotContain(IppOperation.GetJobAttributes, _printer.OperationsReceived);
    }

    [Fact]
    public async Task An_IPP_1_1_printer_is_spoken_to_in_IPP_1_1()
    {
        _printer.Ipp11Only = true;

        var result = await SendAsync(Options, Bytes(10, 19));

        Assert.Equal(IppJobState.Completed, result.State);
        var requests = _printer.Requests;
        Assert.Equal(2, requests[0].Message.VersionMajor);
        Assert.All(requests.Skip(1), r => Assert.Equal((1, 1), (r.Message.VersionMajor, r.Message.VersionMinor)));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, "no printer at that path")]
    [InlineData(HttpStatusCode.UpgradeRequired, "requires TLS")]
    [InlineData(HttpStatusCode.InternalServerError, "HTTP 500")]
    public async Task An_HTTP_error_is_a_protocol_failure(HttpStatusCode status, string text)
    {
        _printer.RawOverride = (_, response) =>
        {
            response.StatusCode = (int)status;
            return Task.FromResult(true);
        };

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(Options, Bytes(10, 20)));

        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        Assert.Equal(IppFailureCategory.Protocol, e.IppFailure!.Category);
        Assert.Contains(text, e.Message);
    }

    [Fact]
    public async Task A_malformed_answer_is_a_protocol_failure()
    {
        _printer.RawOverride = async (_, response) =>
        {
            response.StatusCode = 200;
            response.ContentType = "application/ipp";
            await response.OutputStream.WriteAsync("not ipp at all"u8.ToArray());
            return true;
        };

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => SendAsync(Options, Bytes(10, 21)));

        Assert.Equal(IppFailureCategory.Protocol, e.IppFailure!.Category);
        Assert.Contains("malformed IPP", e.Message);
    }

    [Fact]
    public async Task A_printer_that_never_answers_times_out()
    {
        using var hold = new CancellationTokenSource();
        _printer.Override = async _ =>
        {
            await Task.Delay(Timeout.Infinite, hold.Token).ContinueWith(_ => { });
            return null;
        };

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            SendAsync(Options with { RequestTimeout = TimeSpan.FromMilliseconds(500) }, Bytes(10, 22)));
        await hold.CancelAsync();

        Assert.Equal(DeliveryFailureKind.IdleTimeout, e.Kind);
        Assert.Contains("did not answer Get-Printer-Attributes", e.Message);
    }

    [Fact]
    public async Task Nothing_listening_is_connection_refused()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var uri = new Uri($"ipp://127.0.0.1:{((IPEndPoint)probe.LocalEndPoint!).Port}/ipp/print");
        probe.Dispose();

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            IppDeliveryClient.SendAsync(uri, [Document([1, 2, 3])], Options, CancellationToken.None));
        var p = await Assert.ThrowsAsync<PrinterDeliveryException>(() => IppDeliveryClient.ProbeAsync(uri));

        Assert.Equal(DeliveryFailureKind.ConnectionRefused, e.Kind);
        Assert.Equal(DeliveryFailureKind.ConnectionRefused, p.Kind);
        Assert.Null(e.IppFailure);
        Assert.Empty(e.DeviceReasons);
    }

    [Fact]
    public async Task A_document_that_fails_mid_read_is_a_document_failure()
    {
        Func<CancellationToken, Task<Stream>> failing = _ => Task.FromResult<Stream>(new Lpd.LpdTestSupport.FailingStream(100_000));

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            IppDeliveryClient.SendAsync(_printer.PrinterUri, [failing], Options, CancellationToken.None));

        Assert.True(e.IsDocumentFailure);
        Assert.Contains("simulated", e.Message);
        Assert.Empty(_printer.Jobs);
    }

    [Fact]
    public async Task Cancellation_while_waiting_cancels_the_job_on_the_printer()
    {
        _printer.JobStates = [IppJobState.Processing];
        using var cts = new CancellationTokenSource();

        var send = IppDeliveryClient.SendAsync(_printer.PrinterUri, [Document(Bytes(10, 23))], Options, cts.Token);
        await WaitUntilAsync(() => _printer.OperationsReceived.Contains(IppOperation.GetJobAttributes));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => send);
        Assert.True(Assert.Single(_printer.Jobs.Values).Canceled);
    }

    [Fact]
    public async Task Bad_arguments_are_rejected()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            IppDeliveryClient.SendAsync(new Uri("socket://127.0.0.1:9100"), [Document([1])], Options, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            IppDeliveryClient.SendAsync(_printer.PrinterUri, [], Options, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            IppDeliveryClient.SendAsync(_printer.PrinterUri, [Document([1])], Options with { PollInterval = TimeSpan.Zero }, CancellationToken.None));
    }

    [Fact]
    public void Status_codes_have_their_IPP_keywords()
    {
        Assert.Equal("server-error-busy", IppDeliveryClient.StatusKeyword(IppStatusCode.ServerErrorBusy));
        Assert.Equal("client-error-document-format-not-supported", IppDeliveryClient.StatusKeyword(IppStatusCode.ClientErrorDocumentFormatNotSupported));
        Assert.Equal("successful-ok", IppDeliveryClient.StatusKeyword(IppStatusCode.SuccessfulOk));
        Assert.Equal("0x0777", IppDeliveryClient.StatusKeyword((IppStatusCode)0x0777));
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            await Task.Delay(20, cts.Token);
        }
    }
}
