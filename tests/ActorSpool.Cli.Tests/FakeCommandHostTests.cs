using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using ActorSpool.Cli.Spoolctl;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.TestSupport.Spoolctl;

namespace ActorSpool.Cli.Tests;

/// <summary>spoolctl's side of the protocol against a scripted command host.</summary>
public sealed class FakeCommandHostTests : IAsyncLifetime
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<JsonObject> _requests = [];
    private readonly CancellationTokenSource _stop = new();
    private Task _serving = Task.CompletedTask;

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public Task InitializeAsync()
    {
        _listener.Start();
        _serving = Task.Run(ServeAsync);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _serving;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.UTF8);
            await using var writer = new StreamWriter(stream, new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" };
            async Task Reply(CommandReply reply) => await writer.WriteLineAsync(CommandWire.Serialize(reply));
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var request = JsonNode.Parse(line)!.AsObject();
                lock (_requests) _requests.Add(request);
                switch ((string?)request["op"], (string?)request["palette"], (string?)request["verb"])
                {
                    case ("palettes", _, _):
                        await Reply(new CommandReply { Kind = ReplyKinds.Palettes, Palettes = SamplePalettes.All });
                        await Reply(CommandReply.End(0));
                        break;
                    case ("cancel", _, _):
                    case ("hello", _, _): // a loopback command host speaks plain text: hello is answered by end alone
                        await Reply(CommandReply.End(0));
                        break;
                    case (_, "log", "tail"):
                        await Reply(CommandReply.Out("first line"));
                        break; // streams until a cancel arrives
                    case (_, "cluster", "down"):
                        await Reply(CommandReply.Error("cluster down changes the system and this node requires its command token"));
                        await Reply(CommandReply.End(ExitCodes.Unauthorized));
                        break;
                    case (_, "job", "show"):
                        await Reply(new CommandReply { Kind = ReplyKinds.Data, Data = new JsonObject { ["id"] = 7, ["state"] = "pending" } });
                        await Reply(CommandReply.End(0));
                        break;
                }
            }
        }
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(string[] words, CancellationToken ct = default, string? token = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        await using var session = new SpoolctlSession(new GlobalOptions { Endpoint = new NodeEndpoint("127.0.0.1", Port), Token = token }, output, error);
        await session.ConnectAsync(CancellationToken.None);
        var code = await session.ExecuteAsync(words, ct);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Sends_arguments_by_name_with_the_token_and_prints_data_as_json()
    {
        var (code, output, _) = await RunAsync(["job", "show", "-j", "7", "--json"], token: "t0k");
        Assert.Equal(0, code);
        Assert.Contains("\"state\": \"pending\"", output);
        JsonObject request;
        lock (_requests) request = _requests.Last();
        Assert.Equal("7", (string?)request["args"]!["job"]![0]);
        Assert.Equal("t0k", (string?)request["token"]);
        Assert.True((bool)request["json"]!);
    }

    [Fact]
    public async Task Error_lines_go_to_stderr_and_the_end_code_is_the_exit_code()
    {
        var (code, output, error) = await RunAsync(["cluster", "down", "-a", "x:1"]);
        Assert.Equal(ExitCodes.Unauthorized, code);
        Assert.Empty(output);
        Assert.Contains("requires its command token", error);
    }

    [Fact]
    public async Task Cancelling_a_stream_sends_cancel_and_ends_with_success()
    {
        using var cancel = new CancellationTokenSource();
        var output = new StringWriter();
        await using var session = new SpoolctlSession(new GlobalOptions { Endpoint = new NodeEndpoint("127.0.0.1", Port) }, output, new StringWriter());
        await session.ConnectAsync(CancellationToken.None);
        var run = session.ExecuteAsync(["log", "tail"], cancel.Token);
        while (!output.ToString().Contains("first line", StringComparison.Ordinal)) await Task.Delay(20);
        await cancel.CancelAsync();
        Assert.Equal(0, await run);
        lock (_requests) Assert.Equal("cancel", (string?)_requests.Last()["op"]);
    }

    [Fact]
    public async Task Usage_errors_are_caught_before_anything_is_sent()
    {
        var (code, _, error) = await RunAsync(["job", "show", "-x", "1"]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("spoolctl: job show: unknown switch '-x'; it takes -j/--job ID", error.Trim());
        lock (_requests) Assert.DoesNotContain(_requests, r => (string?)r["palette"] == "job");
    }

    [Fact]
    public async Task An_unreachable_node_is_one_line()
    {
        var free = new TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var port = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await SpoolctlProgram.MainAsync([$"127.0.0.1:{port}", "cluster", "show"], output, error);
        Assert.Equal(ExitCodes.Unreachable, code);
        Assert.StartsWith($"spoolctl: cannot reach the command host at 127.0.0.1:{port}:", Assert.Single(error.ToString().Trim().Split('\n')));
    }
}
