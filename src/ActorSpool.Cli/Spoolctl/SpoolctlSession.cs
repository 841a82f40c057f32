using System.Text.Json;
using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>
/// spoolctl talking to one node: connects, downloads the palettes, and runs command lines (the REPL keeps
/// one session; a one-shot command uses one for its single command). Reconnects once when the node went away.
/// </summary>
public sealed class SpoolctlSession(GlobalOptions options, TextWriter output, TextWriter error) : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly JsonSerializerOptions Indented = new(CommandWire.Json) { WriteIndented = true };

    private CommandHostClient? _client;

    public GlobalOptions Options { get; } = options;
    public PaletteCatalog Catalog { get; private set; } = new([]);

    public async Task ConnectAsync(CancellationToken ct)
    {
        if (_client is not null) await _client.DisposeAsync();
        _client = null;
        var client = await CommandHostClient.ConnectAsync(Options.Endpoint, ConnectTimeout, ct, notices: error);
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(ConnectTimeout);
            Catalog = new PaletteCatalog(await client.GetPalettesAsync(limit.Token));
            _client = client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs one command line (already split into words); returns its exit code.</summary>
    public async Task<int> ExecuteAsync(IReadOnlyList<string> line, CancellationToken ct)
    {
        if (!GlobalOptions.TryParse(line, Options with { Json = Options.Json }, out var local, out var words, out var optionError))
        {
            return Usage(optionError!);
        }
        if (words.Count == 0) return ExitCodes.Ok;
        if (words[0] == "help") return Help(words.Skip(1).ToList());
        if (words.Skip(1).Any(PaletteCatalog.IsHelpSwitch)) return Help(words.Where(w => !PaletteCatalog.IsHelpSwitch(w)).Take(2).ToList());
        if (!Catalog.TryResolve(words, out var command, out var resolveError)) return Usage(resolveError!);

        var request = new CommandRequest
        {
            Op = CommandOps.Run,
            Palette = command!.Palette.Name,
            Verb = command.Verb.Name,
            Args = command.Args,
            Token = local.Token,
            Json = local.Json,
        };
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (!command.Verb.Streams) limit.CancelAfter(Options.Timeout);
        try
        {
            var code = await RunWithReconnectAsync(request, retry: !command.Verb.ChangesState, reply => Print(reply, command.Verb.Streams), limit.Token);
            if (code == ExitCodes.Interrupted && !ct.IsCancellationRequested && limit.IsCancellationRequested)
            {
                await error.WriteLineAsync($"spoolctl: {command.Palette.Name} {command.Verb.Name}: no answer within {Options.Timeout.TotalSeconds:0} s");
                return ExitCodes.Failed;
            }
            return command.Verb.Streams && code == ExitCodes.Interrupted ? ExitCodes.Ok : code;
        }
        finally
        {
            await output.FlushAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Runs on the open connection. A connection the node closed meanwhile (it restarted while a REPL was open) is
    /// replaced once: the command is sent again if it only reads; a command that changes state is not repeated.
    /// </summary>
    private async Task<int> RunWithReconnectAsync(CommandRequest request, bool retry, Func<CommandReply, ValueTask> onReply, CancellationToken ct)
    {
        if (_client is null) await ConnectAsync(ct);
        var replied = false;
        try
        {
            return await _client!.RunAsync(request, reply =>
            {
                replied = true;
                return onReply(reply);
            }, ct);
        }
        catch (CommandHostUnreachableException) when (!replied && !ct.IsCancellationRequested)
        {
            await ConnectAsync(ct);
            if (!retry)
            {
                throw new CommandHostUnreachableException($"the connection to {Options.Endpoint} had been lost and is open again; the command was not run, run it again");
            }
            return await _client!.RunAsync(request, onReply, ct);
        }
    }

    private async ValueTask Print(CommandReply reply, bool streams)
    {
        switch (reply.Kind)
        {
            case ReplyKinds.Out:
                await output.WriteLineAsync(reply.Text ?? "");
                break;
            case ReplyKinds.Error:
                await error.WriteLineAsync(reply.Text ?? "error");
                break;
            case ReplyKinds.Data:
                await output.WriteLineAsync(reply.Data?.ToJsonString(streams ? CommandWire.Json : Indented) ?? "null");
                break;
        }
        if (streams) await output.FlushAsync();
    }

    private int Help(IReadOnlyList<string> topic)
    {
        var lines = Catalog.Help(topic, out var helpError);
        if (lines is null) return Usage(helpError!);
        foreach (var line in lines) output.WriteLine(line);
        return ExitCodes.Ok;
    }

    private int Usage(string message)
    {
        error.WriteLine($"spoolctl: {message}");
        return ExitCodes.Usage;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
    }
}
