using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using ActorSpool.Protocols.AppSocket;
using ActorSpool.Protocols.IppDelivery;
using ActorSpool.TestSupport;

namespace ActorSpool.Protocols.Tests.IppDelivery;

/// <summary>
/// Outbound ipps:// to a printer (issue #12, point 6): its certificate is pinned on first use and a different one is
/// refused, across restarts of the client (the pins are in a file). The printer is <see cref="FakeIppPrinter"/> behind
/// a TLS front whose certificate the test swaps.
/// </summary>
public sealed class PrinterCertificatePinningTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private FakeIppPrinter _printer = null!;
    private TlsFront _front = null!;

    private string PinsFile => Path.Combine(_dir.Path, "tls", "printer-pins");

    private Uri PrinterUri => new($"ipps://127.0.0.1:{_front.Port}/ipp/print");

    public async Task InitializeAsync()
    {
        _printer = await FakeIppPrinter.StartAsync();
        _front = new TlsFront(_printer.Port, SelfSigned("printer-a"));
    }

    public async Task DisposeAsync()
    {
        _front.Dispose();
        await _printer.DisposeAsync();
        _dir.Dispose();
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var made = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }

    private IppDeliveryOptions Options(PrinterCertificateMode mode) =>
        new() { Certificates = new PrinterCertificatePolicy(mode, PinsFile), ConnectTimeout = TimeSpan.FromSeconds(10), RequestTimeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task The_first_certificate_is_pinned_and_a_changed_one_is_refused_even_after_a_restart()
    {
        var options = Options(PrinterCertificateMode.Pin);
        var first = await IppDeliveryClient.ProbeAsync(PrinterUri, options);
        var again = await IppDeliveryClient.ProbeAsync(PrinterUri, options);
        Assert.True(first.IsAcceptingJobs && again.IsAcceptingJobs);
        Assert.Contains($"127.0.0.1:{_front.Port} {_front.Certificate.GetCertHashString(HashAlgorithmName.SHA256)}", await File.ReadAllTextAsync(PinsFile));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(PinsFile));

        _front.Certificate = SelfSigned("impostor");
        var changed = await Assert.ThrowsAsync<PrinterDeliveryException>(() => IppDeliveryClient.ProbeAsync(PrinterUri, options));
        // A fresh policy (a restarted node) reads the pins from the file and refuses too, a job as much as a probe.
        var restarted = await Assert.ThrowsAsync<PrinterDeliveryException>(() =>
            IppDeliveryClient.SendAsync(PrinterUri, [_ => Task.FromResult<Stream>(new MemoryStream("secret document\n"u8.ToArray()))], Options(PrinterCertificateMode.Pin), CancellationToken.None));

        Assert.Contains("the printer's TLS certificate changed", changed.Message);
        Assert.Contains(PinsFile, changed.Message);
        Assert.Contains("the printer's TLS certificate changed", restarted.Message);
        Assert.DoesNotContain(_printer.Requests, r => r.Document.Length > 0);
    }

    [Fact]
    public async Task Verify_refuses_a_self_signed_printer_and_any_accepts_whatever_it_presents()
    {
        var verify = await Assert.ThrowsAsync<PrinterDeliveryException>(() => IppDeliveryClient.ProbeAsync(PrinterUri, Options(PrinterCertificateMode.Verify)));
        Assert.Contains("certificate", verify.Message, StringComparison.OrdinalIgnoreCase);

        await IppDeliveryClient.ProbeAsync(PrinterUri, Options(PrinterCertificateMode.Any));
        _front.Certificate = SelfSigned("another");
        await IppDeliveryClient.ProbeAsync(PrinterUri, Options(PrinterCertificateMode.Any));
        Assert.False(File.Exists(PinsFile));
    }

    /// <summary>Terminates TLS with <see cref="Certificate"/> (swappable) and relays the bytes to a plain printer port.</summary>
    private sealed class TlsFront : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly int _backendPort;

        public TlsFront(int backendPort, X509Certificate2 certificate)
        {
            _backendPort = backendPort;
            Certificate = certificate;
            _listener.Start();
            _ = AcceptLoopAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public X509Certificate2 Certificate { get; set; }

        private async Task AcceptLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                    return;
                }
                _ = RelayAsync(client, Certificate);
            }
        }

        private async Task RelayAsync(TcpClient client, X509Certificate2 certificate)
        {
            using (client)
            using (var backend = new TcpClient())
            {
                try
                {
                    await using var tls = new SslStream(client.GetStream());
                    await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, _stop.Token);
                    await backend.ConnectAsync(IPAddress.Loopback, _backendPort, _stop.Token);
                    var plain = backend.GetStream();
                    var up = tls.CopyToAsync(plain, _stop.Token).ContinueWith(_ => backend.Client.Shutdown(SocketShutdown.Send), TaskScheduler.Default);
                    await plain.CopyToAsync(tls, _stop.Token);
                    await up;
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
                {
                    // the client refused the certificate or went away
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}
