using System.Text;
using ActorSpool.Cli.Spoolctl;
using ActorSpool.TestSupport.Spoolctl;

namespace ActorSpool.Cli.Tests;

public sealed class LineEditorTests
{
    private sealed class ScriptedTerminal(IEnumerable<ConsoleKeyInfo> keys) : ITerminal
    {
        private readonly Queue<ConsoleKeyInfo> _keys = new(keys);
        public StringBuilder Written { get; } = new();

        public ConsoleKeyInfo ReadKey() => _keys.Dequeue();

        public void Write(string text) => Written.Append(text);
    }

    private static ConsoleKeyInfo Key(ConsoleKey key, bool control = false) => new('\0', key, false, false, control);

    private static IEnumerable<ConsoleKeyInfo> Type(string text) =>
        text.Select(c => new ConsoleKeyInfo(c, c == ' ' ? ConsoleKey.Spacebar : ConsoleKey.A, false, false, false));

    private static readonly ConsoleKeyInfo Enter = new('\r', ConsoleKey.Enter, false, false, false);

    private static (LineEditor Editor, ScriptedTerminal Terminal) Editor(History history, params IEnumerable<ConsoleKeyInfo>[] keys)
    {
        var terminal = new ScriptedTerminal(keys.SelectMany(k => k));
        var completer = new Completer(() => new PaletteCatalog(SamplePalettes.All), Repl.Builtins);
        return (new LineEditor(terminal, history, completer.Complete), terminal);
    }

    [Fact]
    public void Tab_completes_palette_verb_and_switch()
    {
        var (editor, _) = Editor(new History(), Type("clu"), [Key(ConsoleKey.Tab)], Type("sh"), [Key(ConsoleKey.Tab), Enter],
            Type("job list --st"), [Key(ConsoleKey.Tab), Enter]);
        Assert.Equal("cluster show ", editor.ReadLine("> "));
        Assert.Equal("job list --state ", editor.ReadLine("> "));
    }

    [Fact]
    public void A_second_tab_lists_the_candidates()
    {
        var (editor, terminal) = Editor(new History(), Type("cluster "), [Key(ConsoleKey.Tab), Key(ConsoleKey.Tab), Enter]);
        Assert.Equal("cluster ", editor.ReadLine("> "));
        Assert.Contains("down  leave  show  status", terminal.Written.ToString());
    }

    [Fact]
    public void Up_and_down_walk_the_history_and_keep_the_line_being_edited()
    {
        var history = new History();
        history.Add("cluster show");
        history.Add("queue list");
        var (editor, _) = Editor(history, Type("job"), [Key(ConsoleKey.UpArrow), Key(ConsoleKey.UpArrow), Key(ConsoleKey.DownArrow), Enter],
            [Key(ConsoleKey.UpArrow), Key(ConsoleKey.DownArrow), Key(ConsoleKey.DownArrow), Enter]);
        Assert.Equal("queue list", editor.ReadLine("> "));
        Assert.Equal("", editor.ReadLine("> "));
        Assert.Equal(["cluster show", "queue list"], history.Lines);
    }

    [Fact]
    public void Editing_keys_and_end_of_input()
    {
        var (editor, _) = Editor(new History(), Type("jbo"), [Key(ConsoleKey.Backspace), Key(ConsoleKey.Backspace)], Type("ob"),
            [Key(ConsoleKey.Home), Key(ConsoleKey.Delete), Key(ConsoleKey.End)], Type(" list"), [Enter],
            Type("oops"), [Key(ConsoleKey.C, control: true)], [Key(ConsoleKey.D, control: true)]);
        Assert.Equal("ob list", editor.ReadLine("> "));
        Assert.Null(editor.ReadLine("> "));
    }

    [Fact]
    public void History_is_kept_in_a_file()
    {
        var file = Path.Combine(Path.GetTempPath(), $"spoolctl-history-{Guid.NewGuid():N}");
        try
        {
            var first = new History(file);
            first.Add("cluster show");
            first.Add("cluster show");
            first.Add("job list");
            Assert.Equal(["cluster show", "job list"], new History(file).Lines);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
