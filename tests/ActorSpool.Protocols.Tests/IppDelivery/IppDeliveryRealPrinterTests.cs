using System.Text;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Protocols.IppDelivery;
using ActorSpool.TestSupport;

namespace ActorSpool.Protocols.Tests.IppDelivery;

/// <summary>
/// One healthy ippeveprinter shared by the class's tests. Its print command is /bin/true, so a job completes as soon as
/// it is received (without a command ippeveprinter simulates several seconds of printing per job); the document is kept
/// in the spool directory either way.
/// </summary>
public sealed class IppEvePrinterFixture : IAsyncLifetime
{
    public IppEvePrinter Printer { get; private set; } = null!;

    public async Task InitializeAsync() => Printer = await IppEvePrinter.StartAsync(command: "/bin/true");

    public async Task DisposeAsync()
    {
        if (Printer is not null)
        {
            await Printer.DisposeAsync();
        }
    }
}

/// <summary>
/// <see cref="IppDeliveryClient"/> against CUPS's real IPP Everywhere printer, ippeveprinter: jobs complete and their
/// documents arrive in the printer's spool directory byte for byte; printer-side failures come back with the device's
/// reasons.
/// </summary>
public sealed class IppDeliveryRealPrinterTests(IppEvePrinterFixture fixture) : IClassFixture<IppEvePrinterFixture>
{
    private static readonly IppDeliveryOptions Options = new()
    {
        PollInterval = TimeSpan.FromMilliseconds(200),
        JobTimeout = TimeSpan.FromSeconds(90),
        RequestTimeout = TimeSpan.FromSeconds(30),
        User = "alice",
        JobName = "actorspool-test",
    };

    private IppEvePrinter Printer => fixture.Printer;

    private static Func<CancellationToken, Task<Stream>> Document(byte[] bytes) => _ => Task.FromResult<Stream>(new MemoryStream(bytes, writable: false));

    /// <summary>Bytes ippeveprinter's format detection takes for PDF (it keeps them as sent; nothing renders them).</summary>
    private static byte[] PdfLike(int seed, int length = 50_000)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        Encoding.ASCII.GetBytes("%PDF-1.7\n").CopyTo(bytes, 0);
        return bytes;
    }

    [Fact]
    public async Task The_probe_reports_an_idle_printer_that_accepts_jobs()
    {
        var status = await IppDeliveryClient.ProbeAsync(Printer.PrinterUri);

        Assert.True(status.IsAcceptingJobs);
        Assert.NotEqual(IppPrinterState.Stopped, status.State);
        Assert.DoesNotContain("none", status.StateReasons);
        Assert.True(status.SupportsCreateJob);
        Assert.Contains(IppOperation.PrintJob, status.OperationsSupported);
        Assert.Contains(IppOperation.GetJobAttributes, status.OperationsSupported);
        Assert.Contains("text/plain", status.DocumentFormatsSupported);
        Assert.False(status.MultipleDocumentJobsSupported);
    }

    [Fact]
    public async Task One_document_completes_and_arrives_byte_exact()
    {
        var bytes = PdfLike(seed: 1);

        var result = await IppDeliveryClient.SendAsync(Printer.PrinterUri, [Document(bytes)], Options, CancellationToken.None);

        Assert.Equal(IppJobState.Completed, result.State);
        Assert.Equal(IppSubmissionMethod.PrintJob, result.Method);
        Assert.True(result.JobId > 0);
        Assert.Equal([result.JobId], result.JobIds);
        Assert.Equal(bytes.Length, result.BytesSent);
        Assert.False(result.CompletionAssumed);
        var file = await Printer.WaitForJobFileAsync(result.JobId);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(file));
    }

    [Fact]
    public async Task A_document_with_an_explicit_format_arrives_byte_exact()
    {
        var text = Encoding.UTF8.GetBytes(string.Join("\n", Enumerable.Range(1, 2000).Select(i => $"line {i}: the quick brown fox")));

        var result = await IppDeliveryClient.SendAsync(Printer.PrinterUri, [Document(text)], Options with { DocumentFormat = "text/plain" },
            CancellationToken.None);

        Assert.Equal(IppJobState.Completed, result.State);
        Assert.Equal(text, await File.ReadAllBytesAsync(await Printer.WaitForJobFileAsync(result.JobId)));
    }

    [Fact]
    public async Task Several_documents_become_one_print_job_each_on_a_printer_without_multi_document_jobs()
    {
        var documents = new[] { PdfLike(2), PdfLike(3, 1000), PdfLike(4, 200_000) };

        var result = await IppDeliveryClient.SendAsync(Printer.PrinterUri, documents.Select(Document).ToList(), Options, CancellationToken.None);

        Assert.Equal(IppSubmissionMethod.PrintJobPerDocument, result.Method);
        Assert.Equal(IppJobState.Completed, result.State);
        Assert.Equal(3, result.JobIds.Count);
        Assert.Equal(result.JobIds.Order(), result.JobIds);
        Assert.Equal(documents.Sum(d => (long)d.Length), result.BytesSent);
        for (var i = 0; i < documents.Length; i++)
        {
            Assert.Equal(documents[i], await File.ReadAllBytesAsync(await Printer.WaitForJobFileAsync(result.JobIds[i])));
        }
    }

    [Fact]
    public async Task Without_asking_first_Create_Job_is_tried_and_the_client_falls_back_when_the_second_document_is_refused()
    {
        var documents = new[] { PdfLike(5), PdfLike(6) };

        var result = await IppDeliveryClient.SendAsync(Printer.PrinterUri, documents.Select(Document).ToList(), Options with { CheckPrinterFirst = false },
            CancellationToken.None);

        // ippeveprinter accepts Create-Job and the first Send-Document, then answers the second with
        // server-error-multiple-document-jobs-not-supported: the client cancels that job and prints each document on its own.
        Assert.Equal(IppSubmissionMethod.PrintJobPerDocument, result.Method);
        Assert.Equal(IppJobState.Completed, result.State);
        Assert.Equal(2, result.JobIds.Count);
        for (var i = 0; i < documents.Length; i++)
        {
            Assert.Equal(documents[i], await File.ReadAllBytesAsync(await Printer.WaitForJobFileAsync(result.JobIds[i])));
        }
    }

    [Fact]
    public async Task Copies_of_one_document_are_asked_of_ippeveprinter_which_records_them_on_its_job()
    {
        var bytes = PdfLike(seed: 21, length: 3000);

        var result = await IppDeliveryClient.SendAsync(Printer.PrinterUri, [Document(bytes)], Options with { Copies = 3 }, CancellationToken.None);

        // ippeveprinter with PDF says copies-supported 1..999: one Print-Job, the device makes the copies.
        Assert.Equal(IppSubmissionMethod.PrintJob, result.Method);
        Assert.Equal(3, result.DeviceCopies);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(await Printer.WaitForJobFileAsync(result.JobId)));
        using var http = new HttpClient();
        var client = new IppClient(http);
        var request = client.NewRequest(IppOperation.GetJobAttributes, Printer.PrinterUri, "alice");
        request.OperationAttributes!.Add(IppAttribute.Integer("job-id", result.JobId)).Add(IppAttribute.Keyword("requested-attributes", "copies"));
        var response = await client.SendAsync(Printer.PrinterUri, request);
        Assert.Equal(3, response.JobAttributes!.Find("copies")!.Value.AsInt());
    }

    [Fact]
    public async Task Collated_copies_of_several_documents_are_one_print_job_per_document_and_copy_on_ippeveprinter()
    {
        // ippeveprinter takes one document per job, and separate jobs cannot be collated by the device.
        var documents = new[] { PdfLike(22, 2000), PdfLike(23, 2500) };

        var result = await IppDeliveryClient.SendAsync(Printer.PrinterUri, documents.Select(Document).ToList(), Options with { Copies = 2 },
            CancellationToken.None);

        Assert.Equal(IppSubmissionMethod.PrintJobPerDocument, result.Method);
        Assert.Equal(1, result.DeviceCopies);
        Assert.Equal(4, result.JobIds.Count);
        var kept = new List<byte[]>();
        foreach (var jobId in result.JobIds)
        {
            kept.Add(await File.ReadAllBytesAsync(await Printer.WaitForJobFileAsync(jobId)));
        }

        Assert.Equal([documents[0], documents[1], documents[0], documents[1]], kept);
    }

    [Fact]
    public async Task An_unsupported_document_format_is_refused_for_good()
    {
        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => IppDeliveryClient.SendAsync(Printer.PrinterUri, [Document(PdfLike(7))],
            Options with { DocumentFormat = "application/x-actorspool-unknown" }, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        Assert.False(e.IsDocumentFailure);
        var ipp = Assert.IsType<IppDeviceException>(e.IppFailure);
        Assert.Equal(IppFailureCategory.Refused, ipp.Category);
        Assert.False(ipp.IsTransient);
        Assert.True(ipp.Status is IppStatusCode.ClientErrorDocumentFormatNotSupported or IppStatusCode.ClientErrorAttributesOrValuesNotSupported,
            $"status {ipp.Status}");
        Assert.Contains("client-error-", e.Message);
    }

    [Fact]
    public async Task A_wrong_printer_path_is_refused()
    {
        var wrong = new Uri($"ipp://127.0.0.1:{Printer.Port}/ipp/nosuchprinter");

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => IppDeliveryClient.SendAsync(wrong, [Document(PdfLike(8))], Options,
            CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        Assert.Contains(e.IppFailure!.Category, new[] { IppFailureCategory.Refused, IppFailureCategory.Protocol });
    }

    [Fact]
    public async Task A_document_that_cannot_be_read_is_a_document_failure_and_the_printer_keeps_working()
    {
        Func<CancellationToken, Task<Stream>> broken = _ => throw new FileNotFoundException("spool file vanished");

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => IppDeliveryClient.SendAsync(Printer.PrinterUri, [broken], Options,
            CancellationToken.None));

        Assert.True(e.IsDocumentFailure);
        Assert.Contains("spool file vanished", e.Message);
        var status = await IppDeliveryClient.ProbeAsync(Printer.PrinterUri);
        Assert.True(status.IsAcceptingJobs);
    }
}

/// <summary>ippeveprinter instances whose print command misbehaves, one per test.</summary>
public sealed class IppDeliveryRealPrinterFailureTests : IAsyncLifetime
{
    private readonly string _scripts = Directory.CreateTempSubdirectory("actorspool-ippeve-cmd-").FullName;

    private static readonly IppDeliveryOptions Options = new()
    {
        PollInterval = TimeSpan.FromMilliseconds(200),
        JobTimeout = TimeSpan.FromSeconds(90),
    };

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_scripts, recursive: true);
        return Task.CompletedTask;
    }

    private string Script(string name, string body)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("ippeveprinter print commands are shell scripts.");
        }

        var path = Path.Combine(_scripts, name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private static Func<CancellationToken, Task<Stream>> Text(string text) =>
        _ => Task.FromResult<Stream>(new MemoryStream(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public async Task A_job_the_device_aborts_fails_with_the_devices_reasons_and_message()
    {
        var command = Script("out-of-paper.sh", """
            echo "STATE: +media-empty-error" >&2
            echo "ERROR: Out of paper in tray 1" >&2
            exit 1
            """);
        await using var printer = await IppEvePrinter.StartAsync(command);

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => IppDeliveryClient.SendAsync(printer.PrinterUri, [Text("page 1\f")],
            Options with { DocumentFormat = "text/plain" }, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.Other, e.Kind);
        var ipp = Assert.IsType<IppDeviceException>(e.IppFailure);
        Assert.Equal(IppFailureCategory.JobAborted, ipp.Category);
        Assert.Equal(IppJobState.Aborted, ipp.JobState);
        Assert.NotNull(ipp.JobId);
        Assert.Contains("aborted-by-system", e.DeviceReasons);
        Assert.Contains(e.DeviceReasons, r => r.StartsWith("media-empty", StringComparison.Ordinal));
        Assert.Contains("Out of paper in tray 1", e.Message);
        Assert.Contains("media-empty", e.Message);
    }

    [Fact]
    public async Task A_job_that_outlasts_the_job_timeout_fails_and_is_cancelled_on_the_printer()
    {
        var command = Script("slow.sh", "sleep 600");
        await using var printer = await IppEvePrinter.StartAsync(command);

        var e = await Assert.ThrowsAsync<PrinterDeliveryException>(() => IppDeliveryClient.SendAsync(printer.PrinterUri, [Text("slow page\f")],
            Options with { DocumentFormat = "text/plain", JobTimeout = TimeSpan.FromSeconds(2) }, CancellationToken.None));

        Assert.Equal(DeliveryFailureKind.CloseWaitTimeout, e.Kind);
        var ipp = Assert.IsType<IppDeviceException>(e.IppFailure);
        Assert.Equal(IppFailureCategory.JobTimeout, ipp.Category);
        Assert.True(ipp.IsTransient);
        var jobId = Assert.IsType<int>(ipp.JobId);

        // The client sent Cancel-Job. ippeveprinter lets a running print command finish, so the job shows
        // processing-to-stop-point (cancel requested) until then, and canceled afterwards.
        using var http = new HttpClient();
        var client = new IppClient(http);
        var request = client.NewRequest(IppOperation.GetJobAttributes, printer.PrinterUri);
        request.OperationAttributes!.Add(IppAttribute.Integer("job-id", jobId));
        var response = await client.SendAsync(printer.PrinterUri, request);
        var job = response.JobAttributes!;
        var state = job.Find("job-state")!.Value.AsInt();
        var reasons = job.Find("job-state-reasons")!.Values.Select(v => v.AsString()).ToArray();
        Assert.True(state == (int)IppJobState.Canceled || reasons.Contains("processing-to-stop-point"),
            $"job {jobId} is in state {state} with reasons {string.Join(", ", reasons)}: not cancelled");
    }
}
