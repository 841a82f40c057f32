using System.Text;

namespace ActorSpool.Cli.Spoolctl;

/// <summary>The console as the line editor needs it (a fake in tests).</summary>
public interface ITerminal
{
    ConsoleKeyInfo ReadKey();

    void Write(string text);
}

/// <summary>The real console: keys without echo, Ctrl-C as a key while editing.</summary>
public sealed class SystemTerminal : ITerminal
{
    public ConsoleKeyInfo ReadKey() => Console.ReadKey(intercept: true);

    public void Write(string text) => Console.Out.Write(text);
}

/// <summary>Previous lines, newest last, optionally kept in a file between sessions.</summary>
public sealed class History(string? file = null, int capacity = 500)
{
    private readonly List<string> _lines = Load(file, capacity);

    public IReadOnlyList<string> Lines => _lines;

    public void Add(string line)
    {
        if (string.IsNullOrWhiteSpace(line) || (_lines.Count > 0 && _lines[^1] == line)) return;
        _lines.Add(line);
        if (_lines.Count > capacity) _lines.RemoveAt(0);
        if (file is null) return;
        try
        {
            File.WriteAllLines(file, _lines);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // History is a convenience.
        }
    }

    private static List<string> Load(string? file, int capacity)
    {
        try
        {
            return file is not null && File.Exists(file) ? File.ReadLines(file).Where(l => l.Length > 0).TakeLast(capacity).ToList() : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}

/// <summary>
/// A small line editor over single key presses: insert/delete, Left/Right/Home/End, Up/Down through the
/// history, Tab completion (a second Tab lists the candidates), Ctrl-C clears the line, Ctrl-D on an empty
/// line ends input. Redraws the line with ANSI erase-to-end and cursor-left sequences.
/// </summary>
public sealed class LineEditor(ITerminal terminal, History history, Func<string, int, Completion> complete)
{
    private readonly StringBuilder _line = new();
    private int _cursor;
    private string _prompt = "";

    /// <summary>The next line, or null at end of input (Ctrl-D on an empty line).</summary>
    public string? ReadLine(string prompt)
    {
        _prompt = prompt;
        _line.Clear();
        _cursor = 0;
        var browsing = history.Lines.Count; // index into history; Count = the line being edited
        var edited = "";
        var lastWasTab = false;
        terminal.Write(prompt);
        while (true)
        {
            var key = terminal.ReadKey();
            var isTab = key.Key == ConsoleKey.Tab;
            var ctrl = (key.Modifiers & ConsoleModifiers.Control) != 0;
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    terminal.Write("\r\n");
                    var text = _line.ToString();
                    history.Add(text.Trim());
                    return text;
                case ConsoleKey.Tab:
                    Complete(lastWasTab);
                    break;
                case ConsoleKey.Backspace:
                    if (_cursor > 0)
                    {
                        _line.Remove(--_cursor, 1);
                        Redraw();
                    }
                    break;
                case ConsoleKey.Delete:
                    if (_cursor < _line.Length)
                    {
                        _line.Remove(_cursor, 1);
                        Redraw();
                    }
                    break;
                case ConsoleKey.LeftArrow:
                    if (_cursor > 0) Move(-1);
                    break;
                case ConsoleKey.RightArrow:
                    if (_cursor < _line.Length) Move(1);
                    break;
                case ConsoleKey.Home:
                    Move(-_cursor);
                    break;
                case ConsoleKey.End:
                    Move(_line.Length - _cursor);
                    break;
                case ConsoleKey.UpArrow:
                    if (browsing > 0)
                    {
                        if (browsing == history.Lines.Count) edited = _line.ToString();
                        Replace(history.Lines[--browsing]);
                    }
                    break;
                case ConsoleKey.DownArrow:
                    if (browsing < history.Lines.Count)
                    {
                        browsing++;
                        Replace(browsing == history.Lines.Count ? edited : history.Lines[browsing]);
                    }
                    break;
                case ConsoleKey.Escape:
                    Replace("");
                    break;
                case ConsoleKey.C when ctrl:
                    terminal.Write("^C\r\n" + prompt);
                    _line.Clear();
                    _cursor = 0;
                    browsing = history.Lines.Count;
                    break;
                case ConsoleKey.D when ctrl:
                    if (_line.Length == 0)
                    {
                        terminal.Write("\r\n");
                        return null;
                    }
                    break;
                case ConsoleKey.U when ctrl:
                    Replace("");
                    break;
                case ConsoleKey.A when ctrl:
                    Move(-_cursor);
                    break;
                case ConsoleKey.E when ctrl:
                    Move(_line.Length - _cursor);
                    break;
                case ConsoleKey.L when ctrl:
                    terminal.Write("\u001b[2J\u001b[H");
                    Redraw();
                    break;
                default:
                    if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar))
                    {
                        _line.Insert(_cursor++, key.KeyChar);
                        Redraw();
                    }
                    break;
            }
            lastWasTab = isTab;
        }
    }

    private void Complete(bool listCandidates)
    {
        var text = _line.ToString();
        var completion = complete(text, _cursor);
        var word = text[completion.Start.._cursor];
        var candidates = completion.Candidates;
        if (candidates.Count == 0) return;
        if (candidates.Count == 1)
        {
            Insert(completion.Start, word, candidates[0] + " ");
            return;
        }
        var common = CommonPrefix(candidates);
        if (common.Length > word.Length)
        {
            Insert(completion.Start, word, common);
            return;
        }
        if (listCandidates)
        {
            terminal.Write("\r\n" + string.Join("  ", candidates) + "\r\n");
            Redraw();
        }
    }

    private void Insert(int start, string word, string replacement)
    {
        _line.Remove(start, word.Length).Insert(start, replacement);
        _cursor = start + replacement.Length;
        Redraw();
    }

    private void Replace(string text)
    {
        _line.Clear().Append(text);
        _cursor = _line.Length;
        Redraw();
    }

    private void Move(int by)
    {
        if (by == 0) return;
        _cursor += by;
        terminal.Write(by < 0 ? $"\u001b[{-by}D" : $"\u001b[{by}C");
    }

    private void Redraw()
    {
        var back = _line.Length - _cursor;
        terminal.Write("\r" + _prompt + _line + "\u001b[K" + (back > 0 ? $"\u001b[{back}D" : ""));
    }

    private static string CommonPrefix(IReadOnlyList<string> words)
    {
        var prefix = words[0];
        foreach (var w in words.Skip(1))
        {
            var n = 0;
            while (n < prefix.Length && n < w.Length && char.ToLowerInvariant(prefix[n]) == char.ToLowerInvariant(w[n])) n++;
            prefix = prefix[..n];
        }
        return prefix;
    }
}
