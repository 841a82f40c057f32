using System.CommandLine;
using ActorSpool.Cli.Commands;
using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>Decides what a spoolctl command line is: a built-in command, help, one palette command, or the REPL.</summary>
public static class SpoolctlProgram
{
    /// <summary>Commands spoolctl runs itself (System.CommandLine); everything else goes to the node.</summary>
    public static readonly IReadOnlyList<string> BuiltIns = ["submit", "bench", "simulate"];

    public static async Task<int> MainAsync(string[] args, TextWriter output, TextWriter error)
    {
        // Leading HOST:PORT, then either a built-in command or a palette command (or nothing: the REPL).
        var endpointGiven = args.Length > 0 && NodeEndpoint.TryParse(args[0], out _);
        var commandHost = endpointGiven && NodeEndpoint.TryParse(args[0], out var given) ? given : NodeEndpoint.DefaultCommandHost;
        var rest = endpointGiven ? args[1..] : args;

        if (rest.Length > 0 && BuiltIns.Contains(rest[0]))
        {
            var root = new RootCommand("spoolctl")
            {
                SubmitCommand.Create(commandHost, endpointGiven),
                BenchCommand.Create(commandHost, endpointGiven),
                SimulateCommand.Create(),
            };
            return await root.Parse(rest).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        }
        if (rest.Length > 0 && (PaletteCatalog.IsHelpSwitch(rest[0]) || rest[0] == "--version"))
        {
            if (rest[0] == "--version") await output.WriteLineAsync(typeof(SpoolctlProgram).Assembly.GetName().Version?.ToString());
            else foreach (var line in Usage()) await output.WriteLineAsync(line);
            return ExitCodes.Ok;
        }

        if (!GlobalOptions.TryParse(args, new GlobalOptions(), out var options, out var words, out var optionError))
        {
            await error.WriteLineAsync($"spoolctl: {optionError}");
            return ExitCodes.Usage;
        }
        if (options.TokenGivenAsFlag) await error.WriteLineAsync(GlobalOptions.TokenFlagWarning);

        using var interrupt = new CancellationTokenSource();
        await using var session = new SpoolctlSession(options, output, error);
        try
        {
            await session.ConnectAsync(interrupt.Token);
            if (words.Count == 0) return await new Repl(session, output, error).RunAsync(interrupt.Token);

            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                // First Ctrl-C: stop the command (a tail ends with exit code 0); a second one ends spoolctl.
                if (interrupt.IsCancellationRequested) return;
                e.Cancel = true;
                interrupt.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                return await session.ExecuteAsync(words, interrupt.Token);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
        catch (CommandHostUnreachableException e)
        {
            await error.WriteLineAsync($"spoolctl: {e.Message}");
            return ExitCodes.Unreachable;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
    }

    public static IEnumerable<string> Usage() =>
    [
        "spoolctl: command-line tool of the ActorSpool print spooler",
        "",
        "Usage:",
        "  spoolctl [HOST:PORT] PALETTE VERB [-x VALUE …] [--json]   run one command on a node, e.g. spoolctl cluster show",
        "  spoolctl [HOST:PORT]                                      interactive shell: history, Tab completion, help",
        "  spoolctl [HOST:PORT] help [PALETTE [VERB]]                the palettes, verbs and switches the node offers",
        "  spoolctl [HOST:PORT] submit [-q QUEUE] [--priority N] FILE…          print files through IPP",
        "  spoolctl [HOST:PORT] bench --jobs N --concurrency C [--size B]       load generator",
        "  spoolctl simulate --port N [--out DIR] [--delay MS]      simulated AppSocket printers",
        "",
        $"HOST:PORT is the node's command host (default 127.0.0.1:{CommandWire.DefaultPort}, or ${NodeEndpoint.HostVariable}).",
        "Options: --json             JSON output",
        $"         --token TOKEN      the node's command token for commands that change state (or ${GlobalOptions.TokenVariable})",
        $"         --token-file FILE  read the token from FILE (or ${GlobalOptions.TokenFileVariable})",
        $"Known nodes: TLS certificates of command hosts pinned on first use in ${KnownNodes.PathVariable} (default ~/.config/actorspool/known_nodes).",
        "         --timeout SECONDS  give up waiting for a command after this long (default 120; tails run until Ctrl-C)",
        "Exit codes: 0 ok, 1 command failed, 2 wrong command line, 3 token missing or wrong, 4 node unreachable, 130 interrupted.",
        "Built-in commands: spoolctl submit --help, spoolctl bench --help, spoolctl simulate --help.",
    ];
}
