using System.Text;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>Splits a REPL line into words: whitespace separates, "double" or 'single' quotes group, \ escapes.</summary>
public static class CommandLineWords
{
    public static IReadOnlyList<string> Split(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var ch = line[i];
            if (quote is { } q)
            {
                if (ch == q) quote = null;
                else if (ch == '\\' && q == '"' && i + 1 < line.Length) current.Append(line[++i]);
                else current.Append(ch);
                continue;
            }
            if (char.IsWhiteSpace(ch))
            {
                if (inWord) words.Add(current.ToString());
                current.Clear();
                inWord = false;
                continue;
            }
            inWord = true;
            if (ch is '"' or '\'') quote = ch;
            else if (ch == '\\' && i + 1 < line.Length) current.Append(line[++i]);
            else current.Append(ch);
        }
        if (inWord) words.Add(current.ToString());
        return words;
    }
}
