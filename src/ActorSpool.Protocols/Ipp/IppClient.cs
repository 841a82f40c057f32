using System.Net.Http.Headers;

namespace ActorSpool.Protocols.Ipp;

/// <summary>
/// A small IPP/2.0 client over HTTP (RFC 8010 §4): builds requests, posts them with an optional document and
/// parses the answer. Used by spoolctl, tests, benchmarks and the IPP delivery path.
/// </summary>
public sealed class IppClient(HttpClient http)
{
    private int _requestId;

    /// <summary>A request with the two mandatory operation attributes and printer-uri (or job-uri) set.</summary>
    public IppMessage NewRequest(IppOperation operation, Uri target, string user = "anonymous")
    {
        var request = new IppMessage { Code = (short)operation, RequestId = Interlocked.Increment(ref _requestId) };
        var operationGroup = request.AddGroup(IppTag.OperationAttributes);
        operationGroup.Add(IppAttribute.Charset("attributes-charset", "utf-8"));
        operationGroup.Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en"));
        var isJobUri = target.AbsolutePath.Contains("/jobs/", StringComparison.Ordinal);
        operationGroup.Add(IppAttribute.Uri(isJobUri ? "job-uri" : "printer-uri", target.ToString()));
        operationGroup.Add(IppAttribute.NameWithoutLanguage("requesting-user-name", user));
        return request;
    }

    /// <summary>Posts the request (and document) to the HTTP address of <paramref name="target"/>; throws on HTTP errors.</summary>
    public async Task<IppMessage> SendAsync(Uri target, IppMessage request, Stream? document = null, CancellationToken ct = default)
    {
        var body = new MemoryStream();
        await IppWriter.WriteAsync(request, body, ct);
        body.Position = 0;
        HttpContent content = document is null
            ? new StreamContent(body)
            : new StreamContent(new ConcatenatedStream(body, document));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/ipp");

        using var response = await http.PostAsync(HttpAddress(target), content, ct);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var result = await IppParser.ReadAsync(stream, ct);
        return result.Message;
    }

    /// <summary>ipp://host:port/path is http://host:port/path (ipps → https); port 631 when none is given.</summary>
    public static Uri HttpAddress(Uri target)
    {
        var secure = target.Scheme is "ipps" or "https";
        var builder = new UriBuilder(target)
        {
            Scheme = secure ? "https" : "http",
            Port = target.IsDefaultPort || target.Port <= 0 ? (target.Scheme is "ipp" or "ipps" ? 631 : target.Port) : target.Port,
        };
        return builder.Uri;
    }

    /// <summary>Reads the request bytes, then the document, without copying the document into memory.</summary>
    private sealed class ConcatenatedStream(Stream first, Stream second) : Stream
    {
        private bool _firstDone;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_firstDone)
            {
                var n = await first.ReadAsync(buffer, cancellationToken);
                if (n > 0) return n;
                _firstDone = true;
            }
            return await second.ReadAsync(buffer, cancellationToken);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>Convenience operations on top of <see cref="IppClient"/> for the common job calls.</summary>
public static class IppClientOperations
{
    public sealed record SubmittedJob(IppStatusCode Status, int JobId, string? StatusMessage);

    /// <summary>Print-Job with one document; <paramref name="holdUntil"/> is a job-hold-until keyword (e.g. indefinite), none when null.</summary>
    public static async Task<SubmittedJob> PrintJobAsync(this IppClient client, Uri printer, Stream document, string user, string jobName,
        string format = "application/octet-stream", int? priority = null, CancellationToken ct = default, string? holdUntil = null)
    {
        var request = client.NewRequest(IppOperation.PrintJob, printer, user);
        request.OperationAttributes!.Add(IppAttribute.NameWithoutLanguage("job-name", jobName));
        request.OperationAttributes!.Add(IppAttribute.MimeMediaType("document-format", format));
        if (priority is not null || holdUntil is not null)
        {
            var job = request.AddGroup(IppTag.JobAttributes);
            if (priority is { } p) job.Add(IppAttribute.Integer("job-priority", p));
            if (holdUntil is not null) job.Add(IppAttribute.Keyword("job-hold-until", holdUntil));
        }
        var response = await client.SendAsync(printer, request, document, ct);
        var jobId = response.FindGroup(IppTag.JobAttributes)?.Find("job-id")?.Values[0].Value as int? ?? 0;
        return new SubmittedJob(response.Status, jobId, response.FindOperationAttribute("status-message")?.Values[0].Value as string);
    }

    /// <summary>Get-Jobs: one dictionary of attribute name to first value per job.</summary>
    public static async Task<IReadOnlyList<IReadOnlyDictionary<string, object?>>> GetJobsAsync(this IppClient client, Uri printer, string whichJobs = "all",
        CancellationToken ct = default, int? limit = null)
    {
        var request = client.NewRequest(IppOperation.GetJobs, printer);
        request.OperationAttributes!.Add(IppAttribute.Keyword("which-jobs", whichJobs));
        if (limit is { } most) request.OperationAttributes!.Add(IppAttribute.Integer("limit", most));
        request.OperationAttributes!.Add(IppAttribute.Keyword("requested-attributes", "job-id", "job-state", "job-name", "job-originating-user-name"));
        var response = await client.SendAsync(printer, request, null, ct);
        if (response.Status != IppStatusCode.SuccessfulOk) throw new InvalidOperationException($"Get-Jobs failed: {response.Status}");
        return response.Groups.Where(g => g.Tag == IppTag.JobAttributes)
            .Select(g => (IReadOnlyDictionary<string, object?>)g.Attributes.ToDictionary(a => a.Name, a => a.Values[0].Value))
            .ToList();
    }
}
