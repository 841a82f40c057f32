using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>A command line resolved against the palettes: what to send, or why not.</summary>
public sealed record ResolvedCommand(PaletteDefinition Palette, VerbDefinition Verb, Dictionary<string, string[]> Args);

/// <summary>The palettes a node offers: resolving command lines against them, and help texts.</summary>
public sealed class PaletteCatalog(IReadOnlyList<PaletteDefinition> palettes)
{
    public IReadOnlyList<PaletteDefinition> Palettes { get; } = palettes.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();

    public PaletteDefinition? Find(string name) =>
        Palettes.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    public static bool IsHelpSwitch(string word) => word is "--help" or "-h" or "-?";

    /// <summary>Resolves <c>PALETTE VERB [switches]</c>; on failure <paramref name="error"/> says what is wrong.</summary>
    public bool TryResolve(IReadOnlyList<string> words, out ResolvedCommand? command, out string? error)
    {
        command = null;
        error = null;
        if (words.Count == 0)
        {
            error = $"no palette given; palettes: {Names()}";
            return false;
        }
        var palette = Find(words[0]);
        if (palette is null)
        {
            error = $"unknown palette '{words[0]}'; palettes: {Names()} (try 'help')";
            return false;
        }
        if (words.Count < 2)
        {
            error = $"{palette.Name}: no verb given; verbs: {string.Join(", ", palette.Verbs.Select(v => v.Name))}";
            return false;
        }
        var verb = palette.FindVerb(words[1]);
        if (verb is null)
        {
            error = $"{palette.Name}: unknown verb '{words[1]}'; verbs: {string.Join(", ", palette.Verbs.Select(v => v.Name))}";
            return false;
        }
        if (!ArgumentParser.TryParse(palette.Name, verb, words.Skip(2).ToList(), out var args, out error)) return false;
        foreach (var file in verb.Arguments.Where(a => a.LocalFile && args.ContainsKey(a.Name)))
        {
            var path = args[file.Name][^1];
            try
            {
                args[file.Name] = [File.ReadAllText(path)];
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                error = $"{palette.Name} {verb.Name}: cannot read {path}: {e.Message}";
                return false;
            }
        }
        command = new ResolvedCommand(palette, verb, args);
        return true;
    }

    private string Names() => string.Join(", ", Palettes.Select(p => p.Name));

    /// <summary><c>help</c>, <c>help PALETTE</c>, <c>help PALETTE VERB</c>; null with an error for unknown names.</summary>
    public IReadOnlyList<string>? Help(IReadOnlyList<string> topic, out string? error)
    {
        error = null;
        if (topic.Count == 0) return Overview();
        var palette = Find(topic[0]);
        if (palette is null)
        {
            error = $"unknown palette '{topic[0]}'; palettes: {Names()}";
            return null;
        }
        if (topic.Count == 1) return PaletteHelp(palette);
        var verb = palette.FindVerb(topic[1]);
        if (verb is null)
        {
            error = $"{palette.Name}: unknown verb '{topic[1]}'; verbs: {string.Join(", ", palette.Verbs.Select(v => v.Name))}";
            return null;
        }
        return VerbHelp(palette, verb);
    }

    public IReadOnlyList<string> Overview()
    {
        var lines = new List<string> { "Palettes (help PALETTE for its verbs, help PALETTE VERB for its switches):" };
        var width = Palettes.Select(p => p.Name.Length).DefaultIfEmpty(0).Max();
        foreach (var p in Palettes)
        {
            lines.Add($"  {p.Name.PadRight(width)}  {p.Description}");
            lines.Add($"  {new string(' ', width)}  verbs: {string.Join(", ", p.Verbs.Select(v => v.Name))}");
        }
        lines.Add("");
        lines.Add("Add --json to a command for JSON output. Commands marked * change the system and need the node's token if it has one.");
        return lines;
    }

    public static IReadOnlyList<string> PaletteHelp(PaletteDefinition palette)
    {
        var lines = new List<string> { $"{palette.Name}: {palette.Description}" };
        var usages = palette.Verbs.Select(v => (Verb: v, Usage: v.Usage(palette.Name))).ToList();
        var width = usages.Max(u => u.Usage.Length);
        foreach (var (verb, usage) in usages)
        {
            lines.Add($"  {usage.PadRight(width)}  {(verb.ChangesState ? "* " : "")}{verb.Description}");
        }
        return lines;
    }

    public static IReadOnlyList<string> VerbHelp(PaletteDefinition palette, VerbDefinition verb)
    {
        var lines = new List<string>
        {
            $"Usage: {verb.Usage(palette.Name)}",
            $"  {verb.Description}",
        };
        if (verb.ChangesState) lines.Add("  Changes the system: needs the node's token if it has one (--token or SPOOLCTL_TOKEN).");
        if (verb.Streams) lines.Add("  Streams until stopped (Ctrl-C).");
        if (verb.Arguments.Length > 0)
        {
            lines.Add("Switches:");
            var names = verb.Arguments.Select(a => string.Join(", ", a.Switches) + (a.IsFlag ? "" : $" {a.ValueName}")).ToList();
            var width = names.Max(n => n.Length);
            for (var i = 0; i < verb.Arguments.Length; i++)
            {
                var a = verb.Arguments[i];
                var notes = new List<string>();
                if (a.Mandatory) notes.Add("mandatory");
                if (a.Default is { } d) notes.Add($"default {d}");
                if (a.Repeatable) notes.Add("repeatable");
                if (a.AllowedValues is { } allowed) notes.Add($"one of {string.Join(", ", allowed)}");
                lines.Add($"  {names[i].PadRight(width)}  {a.Description}{(notes.Count > 0 ? $" ({string.Join("; ", notes)})" : "")}");
            }
        }
        return lines;
    }
}
