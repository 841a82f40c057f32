using ActorSpool.Contracts.Spoolctl;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>What Tab can put at the cursor: the word being completed starts at <see cref="Start"/>.</summary>
public sealed record Completion(int Start, IReadOnlyList<string> Candidates);

/// <summary>Tab completion of palettes, verbs, switches and allowed values from the downloaded palettes.</summary>
public sealed class Completer(Func<PaletteCatalog> catalog, IReadOnlyList<string> builtins)
{
    public Completion Complete(string line, int cursor)
    {
        var head = line[..Math.Clamp(cursor, 0, line.Length)];
        var start = head.LastIndexOfAny([' ', '\t']) + 1;
        var current = head[start..];
        var before = CommandLineWords.Split(head[..start]).Where(w => w != "--json").ToList();
        var palettes = catalog();
        return new Completion(start, Candidates(palettes, before, current)
            .Where(c => c.StartsWith(current, StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList());
    }

    private IEnumerable<string> Candidates(PaletteCatalog palettes, List<string> before, string current)
    {
        if (before.Count == 0) return palettes.Palettes.Select(p => p.Name).Concat(builtins);
        if (before[0] == "help")
        {
            if (before.Count == 1) return palettes.Palettes.Select(p => p.Name);
            return before.Count == 2 && palettes.Find(before[1]) is { } helpPalette ? helpPalette.Verbs.Select(v => v.Name) : [];
        }
        var palette = palettes.Find(before[0]);
        if (palette is null) return [];
        if (before.Count == 1) return palette.Verbs.Select(v => v.Name);
        var verb = palette.FindVerb(before[1]);
        if (verb is null) return [];

        // A value after a switch that takes one: its allowed values, if it has a fixed set.
        if (before.Count > 2 && verb.FindSwitch(before[^1]) is { IsFlag: false } pending)
        {
            return pending.AllowedValues ?? [];
        }
        var used = before.Skip(2).Select(verb.FindSwitch).OfType<ArgumentDefinition>().ToHashSet();
        var open = verb.Arguments.Where(a => a.Repeatable || !used.Contains(a)).ToList();
        var switches = current.StartsWith("--", StringComparison.Ordinal)
            ? open.SelectMany(a => a.Switches.Where(s => s.StartsWith("--", StringComparison.Ordinal))).Append("--json")
            : open.Select(a => a.ShortSwitch);
        return switches;
    }
}
