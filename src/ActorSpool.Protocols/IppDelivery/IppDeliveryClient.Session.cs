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

// The connection to one device: version negotiation, its attributes, requests and their answers.
public static partial class IppDeliveryClient
{
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
            var certificates = options.Certificates;
            var (host, port) = (_httpAddress.Host, _httpAddress.Port);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => certificates.Check(host, port, certificate, errors);

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
            var state = group?.Find("printer-state")?.Value.Value is int s && Enum.IsDefined((IppPrinterState)s) ? (IppPrinterState)s : IppPrinterState.Idle;
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
                return new JobStatus(IppJobState.Completed, [], null, Gone: true);
            }

            if (!IsSuccess(response.Status))
            {
                throw await OperationFailureAsync(response, what, jobId, ct).ConfigureAwait(false);
            }

            var job = response.JobAttributes;
            if (job?.Find("job-state")?.Value.Value is not int state || !Enum.IsDefined((IppJobState)state))
            {
                throw Failure(IppFailureCategory.Protocol, $"IPP printer {Endpoint} answered {what} without a valid job-state", response.Status, jobId, []);
            }

            return new JobStatus((IppJobState)state, Keywords(job.Find("job-state-reasons")), TextOf(job.Find("job-state-message")), Gone: false);
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
            IppJobState? jobState = null, string? statusMessage = null)
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
}
