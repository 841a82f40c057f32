using ActorSpool.Contracts.Spoolctl;
using static ActorSpool.Node.Management.Define;

namespace ActorSpool.Node.Management.Palettes;

/// <summary><c>log</c>: this node's recent log lines (kept in a ring buffer) and a live tail.</summary>
public sealed class LogPalette(LogRingBuffer buffer) : ICommandPalette
{
    private static readonly string[] Levels = ["debug", "info", "warn", "error"];

    private static readonly ArgumentDefinition Level =
        Option("level", 'l', "LEVEL", "lowest level shown: debug, info, warn or error", defaultValue: "info", allowed: Levels);

    public PaletteDefinition Definition { get; } = new("log", "This node's recent log lines and a live tail",
    [
        Verb("peek", "The last N log lines of this node",
            Option("lines", 'n', "N", "how many lines", defaultValue: "50"), Level),
        Verb("tail", "The last N log lines, then new lines as they are logged, until stopped (Ctrl-C)",
            Option("lines", 'n', "N", "how many earlier lines first", defaultValue: "10"), Level) with { Streams = true },
    ]);

    public Task ExecuteAsync(CommandContext context, CancellationToken ct) => context.Verb.Name switch
    {
        "peek" => PeekAsync(context, ct),
        "tail" => TailAsync(context, ct),
        _ => throw CommandException.Usage($"log: no verb {context.Verb.Name}"),
    };

    private async Task PeekAsync(CommandContext c, CancellationToken ct)
    {
        var count = c.Int("lines", 1, buffer.Capacity);
        var minimum = MinimumLevel(c);
        var entries = buffer.Last(buffer.Capacity).Where(e => e.Level >= minimum).TakeLast(count).ToList();
        await c.ReportAsync(entries.Select(View).ToArray(), entries.Select(e => e.Format()), ct);
    }

    private async Task TailAsync(CommandContext c, CancellationToken ct)
    {
        var backlog = c.Int("lines", 0, buffer.Capacity);
        var minimum = MinimumLevel(c);
        await foreach (var entry in buffer.FollowAsync(backlog, e => e.Level >= minimum, ct))
        {
            if (c.Json) await c.DataAsync(View(entry), ct);
            else await c.OutAsync(entry.Format(), ct);
        }
    }

    private static object View(LogEntry e) => new { time = e.Time, level = LogEntry.LevelName(e.Level), category = e.Category, message = e.Message, exception = e.Exception };

    private static LogLevel MinimumLevel(CommandContext c) => c.Value("level") switch
    {
        "debug" => LogLevel.Debug,
        "warn" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };
}
