using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>
/// <c>spoolctl [HOST:PORT]</c> without a command: a prompt <c>[HOST:PORT] spoolctl&gt;</c> that runs one command
/// per line against the connected node, with history, tab completion and <c>help</c>. Ctrl-C stops the running
/// command (a <c>log tail</c>, say) and returns to the prompt. Input from a pipe is read line by line.
/// </summary>
public sealed class Repl(SpoolctlSession session, TextWriter output, TextWriter error)
{
    public static readonly IReadOnlyList<string> Builtins = ["help", "exit", "quit", "history"];

    public string Prompt => $"[{session.Options.Endpoint}] spoolctl> ";

    public async Task<int> RunAsync(CancellationToken ct)
    {
        var interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        var historyFile = interactive ? HistoryFile() : null;
        var editor = interactive
            ? new LineEditor(new SystemTerminal(), new History(historyFile), new Completer(() => session.Catalog, Builtins).Complete)
            : null;
        if (interactive)
        {
            await output.WriteLineAsync($"Connected to {session.Options.Endpoint}: {string.Join(", ", session.Catalog.Palettes.Select(p => p.Name))}. 'help' lists the commands, Tab completes, 'exit' quits.");
        }
        var last = ExitCodes.Ok;
        while (!ct.IsCancellationRequested)
        {
            string? line;
            if (editor is not null)
            {
                Console.TreatControlCAsInput = true;
                try
                {
                    line = editor.ReadLine(Prompt);
                }
                finally
                {
                    Console.TreatControlCAsInput = false;
                }
            }
            else
            {
                await output.WriteAsync(Prompt);
                await output.FlushAsync(ct);
                line = await Console.In.ReadLineAsync(ct);
                if (line is not null) await output.WriteLineAsync(line);
            }
            if (line is null) break;
            var words = CommandLineWords.Split(line);
            if (words.Count == 0) continue;
            if (words[0] is "exit" or "quit") break;
            if (words[0] == "history")
            {
                if (historyFile is not null && File.Exists(historyFile))
                {
                    var lines = await File.ReadAllLinesAsync(historyFile, ct);
                    for (var i = 0; i < lines.Length; i++) await output.WriteLineAsync($"{i + 1,5}  {lines[i]}");
                }
                continue;
            }
            last = await RunOneAsync(words, ct);
        }
        return editor is null ? last : ExitCodes.Ok;
    }

    /// <summary>Runs one line; Ctrl-C cancels it, not the REPL.</summary>
    private async Task<int> RunOneAsync(IReadOnlyList<string> words, CancellationToken ct)
    {
        using var command = CancellationTokenSource.CreateLinkedTokenSource(ct);
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            command.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return await session.ExecuteAsync(words, command.Token);
        }
        catch (CommandHostUnreachableException e)
        {
            await error.WriteLineAsync($"spoolctl: {e.Message}");
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static string? HistoryFile()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".spoolctl_history");
    }
}
