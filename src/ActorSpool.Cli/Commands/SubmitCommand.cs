using System.CommandLine;
using System.Text.Json;
using ActorSpool.Cli.Spoolctl;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Protocols.Ipp;
using Spectre.Console;

namespace ActorSpool.Cli.Commands;

/// <summary><c>spoolctl [HOST:PORT] submit [-q QUEUE] [--priority N] FILE…</c>: prints files through IPP, one job per file.</summary>
public static class SubmitCommand
{
    public sealed record Submitted(string File, long Bytes, int? JobId, string Status, string? Error);

    public static Command Create(NodeEndpoint commandHost, bool commandHostGiven)
    {
        var files = new Argument<FileInfo[]>("FILE") { Description = "Files to print, one job each", Arity = ArgumentArity.OneOrMore };
        var queue = new Option<string?>("--queue", "-q") { Description = "Queue to print to (default: the node's default queue)", HelpName = "QUEUE" };
        var priority = new Option<int?>("--priority") { Description = "Job priority 1-100 (higher first; default: the queue's)", HelpName = "N" };
        priority.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is { } p && p is < 1 or > 100) r.AddError("--priority must be from 1 to 100.");
        });
        var user = new Option<string>("--user", "-u") { Description = "requesting-user-name", HelpName = "USER", DefaultValueFactory = _ => Environment.UserName };
        var name = new Option<string?>("--name") { Description = "Job name (default: the file name)", HelpName = "NAME" };
        var format = new Option<string?>("--format") { Description = "Document format (MIME type; default from the file extension)", HelpName = "MIME" };
        var ipp = new Option<string?>("--ipp") { Description = "The node's IPP listener (default: asked from the command host, else 127.0.0.1:8631)", HelpName = "HOST:PORT" };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };

        var command = new Command("submit", "Print files through IPP (one job per file) with a progress bar")
        {
            files, queue, priority, user, name, format, ipp, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var paths = parse.GetValue(files) ?? [];
            foreach (var missing in paths.Where(f => !f.Exists))
            {
                await error.WriteLineAsync($"spoolctl submit: no file {missing.FullName}");
                return ExitCodes.Usage;
            }
            IppTarget target;
            try
            {
                target = await IppTarget.ResolveAsync(parse.GetValue(ipp), commandHost, commandHostGiven, error, ct);
            }
            catch (Exception e) when (e is CommandHostUnreachableException or ArgumentException)
            {
                await error.WriteLineAsync($"spoolctl submit: {e.Message}");
                return e is ArgumentException ? ExitCodes.Usage : ExitCodes.Unreachable;
            }
            var uri = target.QueueUri(parse.GetValue(queue) ?? target.DefaultQueue);
            var results = await SubmitAllAsync(paths, uri, parse.GetValue(user) ?? "anonymous", parse.GetValue(name), parse.GetValue(format),
                parse.GetValue(priority), showProgress: !parse.GetValue(json) && !Console.IsOutputRedirected, ct);
            if (parse.GetValue(json))
            {
                await output.WriteLineAsync(JsonSerializer.Serialize(new { target = uri.ToString(), jobs = results }, new JsonSerializerOptions(CommandWire.Json) { WriteIndented = true }));
            }
            else
            {
                foreach (var r in results)
                {
                    if (r.JobId is { } id) await output.WriteLineAsync($"{r.File} -> job {id} on {uri} ({r.Bytes} bytes)");
                    else await error.WriteLineAsync($"{r.File}: not accepted: {r.Error}");
                }
            }
            return results.All(r => r.JobId is not null) ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static async Task<List<Submitted>> SubmitAllAsync(FileInfo[] files, Uri queue, string user, string? jobName, string? format, int? priority,
        bool showProgress, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var ipp = new IppClient(http);
        var results = new List<Submitted>();

        async Task SubmitOneAsync(FileInfo file, Action<long> progress)
        {
            try
            {
                await using var stream = new ProgressStream(file.OpenRead(), progress);
                var answer = await ipp.PrintJobAsync(queue, stream, user, jobName ?? file.Name, format ?? FormatOf(file.Name), priority, ct);
                var ok = (ushort)answer.Status < 0x0100;
                results.Add(new Submitted(file.Name, file.Length, ok ? answer.JobId : null, answer.Status.ToString(), ok ? null : answer.StatusMessage ?? answer.Status.ToString()));
            }
            catch (Exception e) when (e is HttpRequestException or IOException or InvalidDataException)
            {
                results.Add(new Submitted(file.Name, file.Length, null, "error", e.Message));
            }
        }

        if (!showProgress)
        {
            foreach (var file in files) await SubmitOneAsync(file, _ => { });
            return results;
        }
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async context =>
            {
                var tasks = files.Select(f => context.AddTask(Markup.Escape(f.Name), autoStart: false, maxValue: Math.Max(1, f.Length))).ToList();
                for (var i = 0; i < files.Length; i++)
                {
                    tasks[i].StartTask();
                    var task = tasks[i];
                    await SubmitOneAsync(files[i], n => task.Increment(n));
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            });
        return results;
    }

    public static string FormatOf(string fileName) => Path.GetExtension(fileName).ToLowerInvariant() switch
    {
        ".pdf" => "application/pdf",
        ".ps" => "application/postscript",
        ".txt" or ".text" or ".log" => "text/plain",
        ".pcl" => "application/vnd.hp-pcl",
        ".pwg" => "image/pwg-raster",
        ".urf" => "image/urf",
        ".jpg" or ".jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };
}
