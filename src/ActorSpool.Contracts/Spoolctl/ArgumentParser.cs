namespace ActorSpool.Contracts.Spoolctl;

/// <summary>
/// Turns the switches of a command line into values by argument name (client side), and checks such values
/// against a verb's definition (node side, so a hand-written request gets the same clear errors).
/// </summary>
public static class ArgumentParser
{
    public const string FlagValue = "true";

    /// <summary>Parses <c>-x value</c>, <c>--long value</c>, <c>--long=value</c> and flags; error = one line for the operator.</summary>
    public static bool TryParse(string palette, VerbDefinition verb, IReadOnlyList<string> words, out Dictionary<string, string[]> values, out string? error)
    {
        var collected = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        values = [];
        error = null;
        var command = $"{palette} {verb.Name}";
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            string? inlineValue = null;
            if (word.StartsWith("--", StringComparison.Ordinal) && word.IndexOf('=', StringComparison.Ordinal) is var eq and > 2)
            {
                inlineValue = word[(eq + 1)..];
                word = word[..eq];
            }
            if ((!word.StartsWith('-') || word.Length < 2)
                && verb.Arguments.FirstOrDefault(a => a.Positional && !collected.ContainsKey(a.Name)) is { } positional)
            {
                collected[positional.Name] = [word];
                continue;
            }
            if (!word.StartsWith('-') || word.Length < 2)
            {
                error = verb.Arguments.Length == 0
                    ? $"{command}: unexpected '{words[i]}'; it takes no arguments"
                    : $"{command}: unexpected '{words[i]}'; arguments are given by switch: {Describe(verb)}";
                return false;
            }
            var argument = verb.FindSwitch(word);
            if (argument is null)
            {
                error = verb.Arguments.Length == 0
                    ? $"{command}: unknown switch '{word}'; it takes no arguments"
                    : $"{command}: unknown switch '{word}'; it takes {Describe(verb)}";
                return false;
            }
            string value;
            if (argument.IsFlag)
            {
                if (inlineValue is not null)
                {
                    error = $"{command}: {word} takes no value";
                    return false;
                }
                value = FlagValue;
            }
            else if (inlineValue is not null)
            {
                value = inlineValue;
            }
            else if (i + 1 < words.Count)
            {
                value = words[++i];
            }
            else
            {
                error = $"{command}: {word} needs a value ({argument.ValueName})";
                return false;
            }
            if (!collected.TryGetValue(argument.Name, out var list)) collected[argument.Name] = list = [];
            list.Add(value);
        }
        if (!TryValidate(palette, verb, collected.ToDictionary(p => p.Key, p => p.Value.ToArray()), out values, out error)) return false;
        return true;
    }

    /// <summary>Checks values by argument name: unknown names, missing mandatory ones, repeats, allowed values; fills in defaults.</summary>
    public static bool TryValidate(string palette, VerbDefinition verb, IReadOnlyDictionary<string, string[]>? given, out Dictionary<string, string[]> values, out string? error)
    {
        var checkedValues = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        values = checkedValues;
        error = null;
        var command = $"{palette} {verb.Name}";
        foreach (var (name, list) in given ?? new Dictionary<string, string[]>())
        {
            var argument = verb.FindArgument(name);
            if (argument is null)
            {
                error = $"{command}: unknown argument '{name}'; it takes {Describe(verb)}";
                return false;
            }
            if (list is null || list.Length == 0) continue;
            if (list.Length > 1 && !argument.Repeatable)
            {
                error = $"{command}: {argument.ShortSwitch} may be given only once";
                return false;
            }
            if (argument.AllowedValues is { } allowed)
            {
                foreach (var value in list.Where(v => !allowed.Contains(v, StringComparer.OrdinalIgnoreCase)))
                {
                    error = $"{command}: {argument.ShortSwitch} '{value}' is not one of {string.Join(", ", allowed)}";
                    return false;
                }
            }
            if (argument.IsFlag && list.Any(v => !bool.TryParse(v, out _)))
            {
                error = $"{command}: {argument.ShortSwitch} is a flag (true or false), not '{list[0]}'";
                return false;
            }
            checkedValues[argument.Name] = list;
        }
        foreach (var argument in verb.Arguments.Where(a => !checkedValues.ContainsKey(a.Name)))
        {
            if (argument.Mandatory)
            {
                error = $"{command}: missing {argument.ShortSwitch} {argument.ValueName} ({argument.Description}); usage: {verb.Usage(palette)}";
                return false;
            }
            if (argument.Default is { } fallback) checkedValues[argument.Name] = [fallback];
        }
        return true;
    }

    private static string Describe(VerbDefinition verb) =>
        string.Join(", ", verb.Arguments.Select(a => a.IsFlag ? string.Join("/", a.Switches) : $"{string.Join("/", a.Switches)} {a.ValueName}"));
}
