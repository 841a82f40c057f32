using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ActorSpool.TestSupport;

namespace ActorSpool.Node.Tests.Alerts;

/// <summary>A webhook receiver on 127.0.0.1: keeps every JSON body posted to it.</summary>
public sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public WebhookReceiver()
    {
        Port = FreePort.Next();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hooks/actorspool";
    public ConcurrentQueue<JsonObject> Received { get; } = new();

    /// <summary>Answers 500 to this many posts first (a receiver briefly down), then 200.</summary>
    public int FailFirst { get; set; }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            if (FailFirst > 0)
            {
                FailFirst--;
                context.Response.StatusCode = 500;
            }
            else
            {
                if (context.Request.HttpMethod == "POST" && JsonNode.Parse(body) is JsonObject json) Received.Enqueue(json);
                context.Response.StatusCode = 200;
            }
            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}

/// <summary>A fact that needs Debian's prometheus-alertmanager (test.sh installs it); skipped, saying so, without it.</summary>
public sealed class AlertmanagerFactAttribute : FactAttribute
{
    public AlertmanagerFactAttribute()
    {
        if (!AlertmanagerProcess.Installed) Skip = $"{AlertmanagerProcess.Binary} is missing (Debian package prometheus-alertmanager)";
    }
}

/// <summary>A real Alertmanager (Debian prometheus-alertmanager) on a free 127.0.0.1 port, without gossip.</summary>
public sealed class AlertmanagerProcess : IAsyncDisposable
{
    public const string Binary = "/usr/bin/prometheus-alertmanager";

    private readonly Process _process;
    private readonly TempDirectory _dir;
    private readonly StringBuilder _output = new();

    private AlertmanagerProcess(Process process, TempDirectory dir, int port)
    {
        _process = process;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    public static bool Installed => File.Exists(Binary);

    public static async Task<AlertmanagerProcess> StartAsync()
    {
        var dir = new TempDirectory();
        var config = Path.Combine(dir.Path, "alertmanager.yml");
        await File.WriteAllTextAsync(config, "route:\n  receiver: nobody\nreceivers:\n  - name: nobody\n");
        var port = FreePort.Next();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { $"--config.file={config}", $"--storage.path={Path.Combine(dir.Path, "data")}", $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start)!;
        var alertmanager = new AlertmanagerProcess(process, dir, port);
        process.OutputDataReceived += (_, e) => alertmanager.Log(e.Data);
        process.ErrorDataReceived += (_, e) => alertmanager.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var http = new HttpClient();
        await Eventually.WaitUntilAsync(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"alertmanager exited with {process.ExitCode}:\n{alertmanager.Output}");
            try
            {
                using var ready = await http.GetAsync($"{alertmanager.Url}/-/ready");
                return ready.IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "alertmanager ready");
        return alertmanager;
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    private void Log(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>GET /api/v2/alerts: the alerts Alertmanager holds.</summary>
    public async Task<JsonArray> AlertsAsync()
    {
        using var http = new HttpClient();
        return JsonNode.Parse(await http.GetStringAsync($"{Url}/api/v2/alerts"))!.AsArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _dir.Dispose();
    }
}

/// <summary>
/// A minimal SMTP server on 127.0.0.1 (RFC 5321's happy path, no extensions): enough for a client to hand over a
/// message, which it keeps whole (headers and body) in <see cref="Messages"/>.
/// </summary>
public sealed class SmtpReceiver : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public SmtpReceiver()
    {
        _listener.Start();
        _loop = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public ConcurrentQueue<(string From, string[] To, string Data)> Messages { get; } = new();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 127.0.0.1 test SMTP");
        string from = "";
        var to = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO" or "HELO":
                    await writer.WriteLineAsync("250 127.0.0.1");
                    break;
                case "MAIL":
                    from = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    to.Add(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 end with .");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".") data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append('\n');
                    Messages.Enqueue((from, to.ToArray(), data.ToString()));
                    to.Clear();
                    await writer.WriteLineAsync("250 queued");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 bye");
                    return;
                case "RSET" or "NOOP":
                    await writer.WriteLineAsync("250 OK");
                    break;
                default:
                    await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"502 {verb} not implemented"));
                    break;
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _loop.Wait(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }
}
