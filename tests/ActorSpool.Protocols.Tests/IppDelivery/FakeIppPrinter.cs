using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Protocols.Tests.IppDelivery;

/// <summary>
/// A small scriptable IPP printer (HttpListener + this project's IppParser/IppWriter) for the printer conditions a real
/// ippeveprinter cannot be put in on demand: not accepting jobs, stopped with media-empty, busy answers, jobs that stall
/// or vanish, multi-document jobs, IPP/1.1-only, broken answers. Its model: printer attributes from the properties
/// below; each job walks through <see cref="JobStates"/>, one step per Get-Job-Attributes.
/// </summary>
public sealed class FakeIppPrinter : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, FakeJob> _jobs = new();
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private int _nextJobId;

    private FakeIppPrinter(HttpListener listener, int port)
    {
        _listener = listener;
        Port = port;
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public Uri PrinterUri => new($"ipp://127.0.0.1:{Port}/ipp/print");

    public IppPrinterState State { get; set; } = IppPrinterState.Idle;

    public string[] PrinterReasons { get; set; } = [];

    public bool AcceptingJobs { get; set; } = true;

    public List<IppOperation> Operations { get; set; } =
    [
        IppOperation.PrintJob, IppOperation.CreateJob, IppOperation.SendDocument, IppOperation.CancelJob,
        IppOperation.GetJobAttributes, IppOperation.GetPrinterAttributes,
    ];

    public bool? MultipleDocumentJobs { get; set; } = true;

    /// <summary>The upper bound of copies-supported (1..MaxCopies); null: the attribute is not reported.</summary>
    public int? MaxCopies { get; set; }

    /// <summary>multiple-document-handling-supported; null: the attribute is not reported.</summary>
    public string[]? MultipleDocumentHandling { get; set; }

    /// <summary>The job-state of a job at its 1st, 2nd, ... Get-Job-Attributes; the last one sticks.</summary>
    public IppJobState[] JobStates { get; set; } = [IppJobState.Processing, IppJobState.Completed];

    public string[] JobReasons { get; set; } = [];

    public string? JobMessage { get; set; }

    /// <summary>Answer IPP/2.0 requests with server-error-version-not-supported.</summary>
    public bool Ipp11Only { get; set; }

    /// <summary>Optional override: return a response (or null for the model's answer); may also delay.</summary>
    public Func<ReceivedRequest, Task<IppMessage?>>? Override { get; set; }

    /// <summary>Optional raw override: write anything to the HTTP response and return true to skip the IPP answer.</summary>
    public Func<ReceivedRequest, HttpListenerResponse, Task<bool>>? RawOverride { get; set; }

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    public IReadOnlyDictionary<int, FakeJob> Jobs => _jobs;

    public IEnumerable<IppOperation> OperationsReceived => Requests.Select(r => r.Message.Operation);

    public static Task<FakeIppPrinter> StartAsync()
    {
        // HttpListener takes a prefix, not port 0: pick a free port and retry on the rare collision.
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return Task.FromResult(new FakeIppPrinter(listener, port));
            }
            catch (HttpListenerException) when (attempt < 20)
            {
                listener.Close();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // .NET's managed listener looks its endpoint up again when it closes, binding the port anew; when another
            // test took the freed port meanwhile that throws "Address already in use" (seen once in a full run).
        }
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // Stopping.
        }

        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                continue;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            var result = await IppParser.ReadAsync(context.Request.InputStream);
            var document = new MemoryStream();
            await result.Document.CopyToAsync(document);
            var request = new ReceivedRequest(result.Message, document.ToArray(), context.Request.Url!.AbsolutePath);
            _requests.Enqueue(request);

            if (RawOverride is { } raw && await raw(request, context.Response))
            {
                context.Response.Close();
                return;
            }

            var response = (Override is { } handler ? await handler(request) : null) ?? Answer(request);
            var bytes = IppWriter.Write(response);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/ipp";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception)
        {
            try
            {
                context.Response.Abort();
            }
            catch (Exception)
            {
                // The client is gone.
            }
        }
    }

    private IppMessage Answer(ReceivedRequest request)
    {
        var message = request.Message;
        if (Ipp11Only && message.VersionMajor >= 2)
        {
            return IppMessage.CreateResponse(message, IppStatusCode.ServerErrorVersionNotSupported, "IPP/1.1 only");
        }

        if (!Operations.Contains(message.Operation))
        {
            return IppMessage.CreateResponse(message, IppStatusCode.ServerErrorOperationNotSupported);
        }

        switch (message.Operation)
        {
            case IppOperation.GetPrinterAttributes:
            {
                var response = IppMessage.CreateResponse(message, IppStatusCode.SuccessfulOk);
                var printer = response.AddGroup(IppTag.PrinterAttributes)
                    .Add(IppAttribute.Enum("printer-state", (int)State))
                    .Add(IppAttribute.Keyword("printer-state-reasons", PrinterReasons.Length == 0 ? ["none"] : PrinterReasons))
                    .Add(IppAttribute.Boolean("printer-is-accepting-jobs", AcceptingJobs))
                    .Add(IppAttribute.Enum("operations-supported", Operations.Select(o => (int)o).ToArray()))
                    .Add(IppAttribute.MimeMediaType("document-format-supported", "application/octet-stream", "application/pdf"))
                    .Add(IppAttribute.Text("printer-make-and-model", "ActorSpool Fake Printer"));
                if (MultipleDocumentJobs is { } multiple)
                {
                    printer.Add(IppAttribute.Boolean("multiple-document-jobs-supported", multiple));
                }

                if (MaxCopies is { } maxCopies)
                {
                    printer.Add(IppAttribute.Range("copies-supported", 1, maxCopies));
                }

                if (MultipleDocumentHandling is { } handling)
                {
                    printer.Add(IppAttribute.Keyword("multiple-document-handling-supported", handling));
                }

                return response;
            }

            case IppOperation.PrintJob or IppOperation.CreateJob:
            {
                if (!AcceptingJobs)
                {
                    return IppMessage.CreateResponse(message, IppStatusCode.ServerErrorNotAcceptingJobs);
                }

                var job = new FakeJob(Interlocked.Increment(ref _nextJobId));
                if (message.Operation == IppOperation.PrintJob)
                {
                    job.Documents.Add(request.Document);
                    job.LastDocumentReceived = true;
                }

                _jobs[job.Id] = job;
                var response = IppMessage.CreateResponse(message, IppStatusCode.SuccessfulOk);
                response.AddGroup(IppTag.JobAttributes)
                    .Add(IppAttribute.Integer("job-id", job.Id))
                    .Add(IppAttribute.Uri("job-uri", $"{PrinterUri}/jobs/{job.Id}"))
                    .Add(IppAttribute.Enum("job-state", (int)IppJobState.Pending));
                return response;
            }

            case IppOperation.SendDocument:
            {
                if (FindJob(message) is not { } job)
                {
                    return IppMessage.CreateResponse(message, IppStatusCode.ClientErrorNotFound);
                }

                if (MultipleDocumentJobs == false && job.Documents.Count > 0)
                {
                    return IppMessage.CreateResponse(message, IppStatusCode.ServerErrorMultipleDocumentJobsNotSupported);
                }

                job.Documents.Add(request.Document);
                job.LastDocumentFlags.Add(message.FindOperationAttribute("last-document")?.Value.AsBool() ?? false);
                job.LastDocumentReceived = job.LastDocumentFlags[^1];
                var response = IppMessage.CreateResponse(message, IppStatusCode.SuccessfulOk);
                response.AddGroup(IppTag.JobAttributes).Add(IppAttribute.Integer("job-id", job.Id));
                return response;
            }

            case IppOperation.GetJobAttributes:
            {
                if (FindJob(message) is not { } job)
                {
                    return IppMessage.CreateResponse(message, IppStatusCode.ClientErrorNotFound);
                }

                var state = job.Canceled ? IppJobState.Canceled : JobStates[Math.Min(job.Polls++, JobStates.Length - 1)];
                var response = IppMessage.CreateResponse(message, IppStatusCode.SuccessfulOk);
                var group = response.AddGroup(IppTag.JobAttributes)
                    .Add(IppAttribute.Integer("job-id", job.Id))
                    .Add(IppAttribute.Enum("job-state", (int)state))
                    .Add(IppAttribute.Keyword("job-state-reasons", JobReasons.Length == 0 ? ["none"] : JobReasons));
                if (JobMessage is not null)
                {
                    group.Add(IppAttribute.Text("job-state-message", JobMessage));
                }

                return response;
            }

            case IppOperation.CancelJob:
            {
                if (FindJob(message) is not { } job)
                {
                    return IppMessage.CreateResponse(message, IppStatusCode.ClientErrorNotFound);
                }

                job.Canceled = true;
                return IppMessage.CreateResponse(message, IppStatusCode.SuccessfulOk);
            }

            default:
                return IppMessage.CreateResponse(message, IppStatusCode.ServerErrorOperationNotSupported);
        }
    }

    private FakeJob? FindJob(IppMessage message) =>
        message.FindOperationAttribute("job-id")?.Value.Value is int id && _jobs.TryGetValue(id, out var job) ? job : null;

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public sealed record ReceivedRequest(IppMessage Message, byte[] Document, string Path);

    public sealed class FakeJob(int id)
    {
        public int Id { get; } = id;

        public List<byte[]> Documents { get; } = [];

        public List<bool> LastDocumentFlags { get; } = [];

        public bool LastDocumentReceived { get; set; }

        public bool Canceled { get; set; }

        public int Polls { get; set; }
    }
}
