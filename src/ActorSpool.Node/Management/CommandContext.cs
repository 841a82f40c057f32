using System.Globalization;
using System.Text.Json;
using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Node.Management;

/// <summary>One command being run: its verb, checked arguments and output.</summary>
public sealed class CommandContext(string palette, VerbDefinition verb, IReadOnlyDictionary<string, string[]> args, bool json, ICommandOutput output)
{
    public string Palette { get; } = palette;
    public VerbDefinition Verb { get; } = verb;
    public IReadOnlyDictionary<string, string[]> Args { get; } = args;

    /// <summary>The client asked for JSON (<c>--json</c>): write <see cref="DataAsync"/> rather than lines.</summary>
    public bool Json { get; } = json;

    /// <summary>The exit code when the command returns normally; set it for a partial failure.</summary>
    public int ExitCode { get; set; }

    public string? Value(string name) => Args.TryGetValue(name, out var values) && values.Length > 0 ? values[^1] : null;

    public IReadOnlyList<string> Values(string name) => Args.TryGetValue(name, out var values) ? values : [];

    public string Required(string name) => Value(name) ?? throw CommandException.Usage($"{Palette} {Verb.Name}: missing {Switch(name)}");

    public bool Flag(string name) => Value(name) is { } v && bool.TryParse(v, out var on) && on;

    public int Int(string name, int min, int max)
    {
        var text = Required(name);
        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw CommandException.Usage($"{Palette} {Verb.Name}: {Switch(name)} '{text}' must be a whole number from {min} to {max}");
    }

    public long Long(string name, long min = 1)
    {
        var text = Required(name);
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw CommandException.Usage($"{Palette} {Verb.Name}: {Switch(name)} '{text}' must be a whole number of at least {min}");
    }

    public ValueTask OutAsync(string line, CancellationToken ct) => output.WriteAsync(CommandReply.Out(line), ct);

    public ValueTask ErrorAsync(string line, CancellationToken ct) => output.WriteAsync(CommandReply.Error(line), ct);

    public ValueTask DataAsync(object? value, CancellationToken ct) =>
        output.WriteAsync(new CommandReply { Kind = ReplyKinds.Data, Data = JsonSerializer.SerializeToNode(value, CommandWire.Json) }, ct);

    /// <summary>Writes <paramref name="data"/> for <c>--json</c>, else the lines.</summary>
    public async ValueTask ReportAsync(object? data, IEnumerable<string> lines, CancellationToken ct)
    {
        if (Json)
        {
            await DataAsync(data, ct);
            return;
        }
        foreach (var line in lines) await OutAsync(line, ct);
    }

    private string Switch(string name) => Verb.FindArgument(name)?.ShortSwitch ?? name;
}
