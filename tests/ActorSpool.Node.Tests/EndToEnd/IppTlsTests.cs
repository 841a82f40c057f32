using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ActorSpool.Node.Hosting;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Security;
using ActorSpool.Node.Tests.Security;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using Xunit.Abstractions;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// ipps:// and ipp:// on the one IPP port of a real node (issue #12, point 3), and what each port serves (point 6):
/// CUPS's ipptool and lp over TLS, Basic only over TLS, the certificate the node serves and keeps.
/// </summary>
public sealed class IppTlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private AppSocketPrinterSimulator _printer = null!;
    private string _printers = null!;
    private InProcessNode? _node;

    private string DataDirectory => Path.Combine(_dir.Path, "data");

    public async Task InitializeAsync()
    {
        _printer = await Printers.SimulatorAsync("lj-1");
        _printers = Printers.WriteFile(_dir.Path, [_printer], "  office { printers = [lj-1] }");
    }

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        await _printer.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>A node named "localhost" (not the 127.0.0.1 the tests connect to), so URIs show where their host came from.</summary>
    private async Task<InProcessNode> StartAsync(Func<NodeOptions, NodeOptions>? tweak = null)
    {
        var options = InProcessNode.Options(DataDirectory, _printers) with { Hostname = "localhost" };
        _node = await InProcessNode.StartAsync(tweak is null ? options : tweak(options));
        return _node;
    }

    private async Task StopAsync()
    {
        await _node!.DisposeAsync();
        _node = null;
    }

    /// <summary>An HTTP client that trusts exactly <paramref name="certificate"/>, as a pinned client would.</summary>
    private static HttpClient Pinned(X509Certificate2 certificate) => new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(certificate.RawData) },
    });

    /// <summary>The certificate the node presents on its IPP port to a TLS client.</summary>
    private static async Task<X509Certificate2> PresentedCertificateAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost" });
        return new X509Certificate2(tls.RemoteCertificate!);
    }

    private static async Task<IppMessage> PostIppAsync(HttpClient http, string url, IppMessage request, string? user = null, string? password = null, string? host = null)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(Encode(request, TextDocument)) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(IppEndpoints.ContentType);
        if (user is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        if (host is not null) message.Headers.Host = host;
        using var response = await http.SendAsync(message);
        if (response.StatusCode != HttpStatusCode.OK) throw new HttpRequestException($"HTTP {(int)response.StatusCode}", null, response.StatusCode);
        return IppParser.Parse(await response.Content.ReadAsByteArrayAsync(), out _);
    }

    private async Task<string> TextFileAsync(string text)
    {
        var path = Path.Combine(_dir.Path, $"doc-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    [Fact]
    public async Task Ipptool_prints_over_ipps_and_plain_ipp_on_the_same_port()
    {
        var node = await StartAsync();
        var document = await TextFileAsync("over TLS and not\n");

        var (tlsCode, tlsText) = await Ipptool.RunAsync(Ipptool.Path, "-tv", "-f", document, $"ipps://127.0.0.1:{node.IppPort}/printers/office", "/usr/share/cups/ipptool/print-job.test");
        output.WriteLine(tlsText);
        var (plainCode, plainText) = await Ipptool.RunAsync(Ipptool.Path, "-tv", "-f", document, $"ipp://127.0.0.1:{node.IppPort}/printers/office", "/usr/share/cups/ipptool/print-job.test");
        output.WriteLine(plainText);

        Assert.True(tlsCode == 0, $"ipptool over ipps:// exited with {tlsCode}:\n{tlsText}");
        Assert.True(plainCode == 0, $"ipptool over ipp:// exited with {plainCode}:\n{plainText}");
        // The job-uri answers in the scheme the request came in with, on the configured hostname.
        Assert.Contains($"job-uri (uri) = ipps://localhost:{node.IppPort}/jobs/", tlsText);
        Assert.Contains($"job-uri (uri) = ipp://localhost:{node.IppPort}/jobs/", plainText);
        await Eventually.WaitUntilAsync(() => _printer.ReceivedJobs.Count == 2, "both jobs printed");
    }

    /// <summary>lp -E asks for TLS the RFC 2817 way (OPTIONS * with Upgrade: TLS/1.2, then the handshake), as cupsd answers it.</summary>
    [Fact]
    public async Task Lp_with_E_prints_over_tls_which_a_plain_only_ipp_server_cannot_do()
    {
        var node = await StartAsync();
        var document = await TextFileAsync("lp -E\n");

        var (code, text) = await CupsTool.RunAsync(output, "lp", "-h", $"127.0.0.1:{node.IppPort}", "-E", "-d", "office", document);

        Assert.True(code == 0, $"lp -E exited with {code}: {text}");
        Assert.Contains("request id is office-", text);
        await Eventually.WaitUntilAsync(() => _printer.ReceivedJobs.Any(j => j.Data is { } data && Encoding.UTF8.GetString(data).Contains("lp -E")), "the job printed");

        // The same lp -E against a server without TLS fails: -E above really went encrypted.
        await using var plainOnly = await Ingress.Ipp.IppTestServer.StartAsync();
        var (plainCode, plainText) = await CupsTool.RunAsync(output, "lp", "-h", $"127.0.0.1:{plainOnly.Port}", "-E", "-d", "office", document);
        Assert.True(plainCode != 0, $"lp -E printed to a plain-only server: {plainText}");
        Assert.Empty(plainOnly.Gateway.Submitted);
    }

    [Fact]
    public async Task Basic_credentials_are_accepted_over_tls_and_refused_over_plain_ipp()
    {
        var users = Path.Combine(_dir.Path, "users");
        Htpasswd.Add(users, "alice", "alice-pw", "-B", "-C", "4");
        var node = await StartAsync(o => o with { UsersFile = users });
        var certificate = await PresentedCertificateAsync(node.IppPort);
        using var http = Pinned(certificate);

        var overTls = await PostIppAsync(http, $"https://127.0.0.1:{node.IppPort}/printers/office", PrintJob(user: "mallory", printerUri: $"ipps://127.0.0.1:{node.IppPort}/printers/office"), "alice", "alice-pw");
        var plain = await Assert.ThrowsAsync<HttpRequestException>(() =>
            PostIppAsync(http, $"http://127.0.0.1:{node.IppPort}/printers/office", PrintJob(user: "mallory", printerUri: $"ipp://127.0.0.1:{node.IppPort}/printers/office"), "alice", "alice-pw"));

        overTls.AssertStatus(IppStatusCode.SuccessfulOk);
        Assert.StartsWith($"ipps://localhost:{node.IppPort}/jobs/", overTls.Job("job-uri").Value.AsString());
        Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);
        var jobId = overTls.Job("job-id").Value.AsInt();
        var job = await PostIppAsync(http, $"https://127.0.0.1:{node.IppPort}/printers/office",
            JobRequest(IppOperation.GetJobAttributes, jobId).Op(IppAttribute.Uri("printer-uri", $"ipps://127.0.0.1:{node.IppPort}/printers/office")));
        Assert.Equal("alice", job.Job("job-originating-user-name").Value.AsString());
        await Eventually.WaitUntilAsync(() => _printer.ReceivedJobs.Count == 1, "the one accepted job printed");
    }

    /// <summary>
    /// One printer URI, in the request's scheme, as cupsd answers (CUPS's lp cannot print to a multi-valued
    /// printer-uri-supported: it joins the values into one URI); the queue page names both.
    /// </summary>
    [Fact]
    public async Task Printer_uris_name_the_configured_hostname_and_the_requests_scheme_whatever_the_host_header_says()
    {
        var node = await StartAsync();
        using var http = Pinned(await PresentedCertificateAsync(node.IppPort));

        var overTls = await PostIppAsync(http, $"https://127.0.0.1:{node.IppPort}/printers/office",
            Request(IppOperation.GetPrinterAttributes, $"ipps://evil.example:666/printers/office"), host: "evil.example:666");
        var plain = await PostIppAsync(http, $"http://127.0.0.1:{node.IppPort}/printers/office",
            Request(IppOperation.GetPrinterAttributes, $"ipp://evil.example:666/printers/office"), host: "evil.example:666");

        Assert.Equal($"ipps://localhost:{node.IppPort}/printers/office", Assert.Single(overTls.Printer("printer-uri-supported").Values).AsString());
        Assert.Equal("tls", Assert.Single(overTls.Printer("uri-security-supported").Values).AsString());
        Assert.Equal($"ipp://localhost:{node.IppPort}/printers/office", Assert.Single(plain.Printer("printer-uri-supported").Values).AsString());
        Assert.Equal("none", Assert.Single(plain.Printer("uri-security-supported").Values).AsString());
        Assert.Equal("requesting-user-name", plain.Printer("uri-authentication-supported").Value.AsString());
        // The queue's page is on the HTTP port (the IPP port serves IPP only).
        Assert.Equal($"http://localhost:{node.HttpPort}/printers/office", overTls.Printer("printer-more-info").Value.AsString());

        var job = await PostIppAsync(http, $"http://127.0.0.1:{node.IppPort}/printers/office", PrintJob(printerUri: $"ipp://evil.example:666/printers/office"), host: "evil.example:666");
        Assert.Equal($"ipp://localhost:{node.IppPort}/jobs/{job.Job("job-id").Value.AsInt()}", job.Job("job-uri").Value.AsString());
        using var pageRequest = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{node.HttpPort}/printers/office") { Headers = { Host = "evil.example:666" } };
        using var pageResponse = await http.SendAsync(pageRequest);
        var page = await pageResponse.Content.ReadAsStringAsync();
        Assert.Contains($"ipp://localhost:{node.IppPort}/printers/office", page);
        Assert.Contains($"ipps://localhost:{node.IppPort}/printers/office", page);
        Assert.DoesNotContain("evil.example", page);
    }

    [Fact]
    public async Task Ipp_is_served_only_on_the_ipp_port_and_metrics_and_pages_only_on_the_http_port()
    {
        var node = await StartAsync();
        using var http = new HttpClient();

        var ippOnHttpPort = await Assert.ThrowsAsync<HttpRequestException>(() =>
            PostIppAsync(http, $"http://127.0.0.1:{node.HttpPort}/printers/office", PrintJob(printerUri: $"ipp://127.0.0.1:{node.HttpPort}/printers/office")));
        using var metricsOnIppPort = await http.GetAsync($"http://127.0.0.1:{node.IppPort}/metrics");
        using var pageOnIppPort = await http.GetAsync($"http://127.0.0.1:{node.IppPort}/printers/office");
        using var metrics = await http.GetAsync($"http://127.0.0.1:{node.HttpPort}/metrics");
        using var page = await http.GetAsync($"http://127.0.0.1:{node.HttpPort}/printers/office");

        Assert.Equal(HttpStatusCode.NotFound, ippOnHttpPort.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, metricsOnIppPort.StatusCode);
        Assert.Contains($"IPP is served on port {node.IppPort}", await metricsOnIppPort.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, pageOnIppPort.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Empty(_printer.ReceivedJobs);
    }

    [Fact]
    public async Task The_self_signed_certificate_is_made_once_kept_private_and_served_again_after_a_restart()
    {
        var node = await StartAsync();
        var first = await PresentedCertificateAsync(node.IppPort);
        await StopAsync();
        node = await StartAsync();
        var second = await PresentedCertificateAsync(node.IppPort);

        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.True(first.MatchesHostname("localhost"));
        Assert.True(first.MatchesHostname("127.0.0.1"));
        var directory = Path.Combine(DataDirectory, NodeCertificate.SelfSignedDirectory);
        var onDisk = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(Path.Combine(directory, NodeCertificate.SelfSignedCertificateFile)));
        Assert.Equal(first.Thumbprint, onDisk.Thumbprint);
        if (OperatingSystem.IsWindows()) return;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(directory, NodeCertificate.SelfSignedKeyFile)));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
    }

    [Fact]
    public async Task A_configured_pem_certificate_and_key_are_served_and_nothing_self_signed_is_made()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=print.example.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var certificateFile = Path.Combine(_dir.Path, "print.crt");
        var keyFile = Path.Combine(_dir.Path, "print.key");
        await File.WriteAllTextAsync(certificateFile, made.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());

        var node = await StartAsync(o => o with { TlsCertificateFile = certificateFile, TlsKeyFile = keyFile });
        var presented = await PresentedCertificateAsync(node.IppPort);

        Assert.Equal(made.Thumbprint, presented.Thumbprint);
        Assert.False(Directory.Exists(Path.Combine(DataDirectory, NodeCertificate.SelfSignedDirectory)));
        using var http = Pinned(made);
        var response = await PostIppAsync(http, $"https://127.0.0.1:{node.IppPort}/printers/office", PrintJob(printerUri: $"ipps://127.0.0.1:{node.IppPort}/printers/office"));
        response.AssertStatus(IppStatusCode.SuccessfulOk);
    }

    [Fact]
    public async Task A_certificate_or_key_that_cannot_be_used_stops_the_start_with_exit_2_naming_the_file()
    {
        var missing = Path.Combine(_dir.Path, "missing.crt");
        var notPem = Path.Combine(_dir.Path, "garbage.key");
        await File.WriteAllTextAsync(notPem, "not a key\n");
        using var key = ECDsa.Create();
        var certificateFile = Path.Combine(_dir.Path, "other.crt");
        await File.WriteAllTextAsync(certificateFile, new CertificateRequest("CN=other", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1)).ExportCertificatePem());
        string[] common = ["--data", DataDirectory, "--printers", _printers, "--ipp-port", "0", "--http-port", "0", "--cmd-port", "0", "--node-port", "0"];

        var (missingCode, missingOutput) = await NodeProcess.RunToExitAsync([.. common, "--tls-cert", missing, "--tls-key", notPem]);
        var (badKeyCode, badKeyOutput) = await NodeProcess.RunToExitAsync([.. common, "--tls-cert", certificateFile, "--tls-key", notPem]);
        var (onlyOneCode, onlyOneOutput) = await NodeProcess.RunToExitAsync([.. common, "--tls-cert", certificateFile]);

        Assert.Equal(2, missingCode);
        Assert.Contains($"the TLS certificate file {missing} does not exist", missingOutput);
        Assert.Equal(2, badKeyCode);
        Assert.Contains($"the TLS key {notPem} is not", badKeyOutput);
        Assert.Equal(2, onlyOneCode);
        Assert.Contains("--tls-key", onlyOneOutput);
        Assert.DoesNotContain("   at ", missingOutput + badKeyOutput + onlyOneOutput);
    }
}
