using System.Text;
using ActorSpool.Protocols.Lpd;

namespace ActorSpool.Fuzz.Targets;

/// <summary>
/// The LPD control-file parsers (<see cref="LpdControlFile.Parse"/>, strict, and <see cref="LpdControlFile.ParseLenient"/>,
/// what the node's LPD server uses) and the subcommand operand parsers of <see cref="LpdWire"/>. Properties:
/// <list type="bullet">
/// <item>every input is accepted or refused with <see cref="FormatException"/>, and every property of an accepted
/// control file can be read (what the LPD session reads to make a job);</item>
/// <item>an accepted control file prints something, names only well-formed data files and asks for at least one copy;</item>
/// <item>what the strict parser accepts, the lenient one accepts with the same lines;</item>
/// <item>each line, taken as a subcommand operand, is parsed or refused with a problem, never thrown at;</item>
/// <item>memory stays linear in the input.</item>
/// </list>
/// </summary>
public sealed class LpdControlFileTarget : IFuzzTarget
{
    public string Name => "lpd";

    public void Run(byte[] input) =>
        AllocationBudget.Check("LpdControlFile", input.Length, baseBytes: 256 * 1024, bytesPerInputByte: 64, () => Check(input));

    private static void Check(byte[] input)
    {
        var strict = Parse(() => LpdControlFile.Parse(input));
        var lenient = Parse(() => LpdControlFile.ParseLenient(input));

        if (strict is not null)
        {
            if (lenient is null)
                throw new FuzzPropertyException("the strict parser accepts a control file the lenient one refuses.");
            if (!strict.Lines.SequenceEqual(lenient.Lines))
                throw new FuzzPropertyException("the strict and lenient parsers read different lines.");
        }

        foreach (var line in Encoding.Latin1.GetString(input).Split('\n'))
            CheckOperandParsers(line);
    }

    private static LpdControlFileContent? Parse(Func<LpdControlFileContent> parse)
    {
        LpdControlFileContent content;
        try
        {
            content = parse();
        }
        catch (FormatException e)
        {
            if (string.IsNullOrWhiteSpace(e.Message))
                throw new FuzzPropertyException("FormatException without a message.");
            return null;
        }

        // Everything the LPD session reads from an accepted control file.
        _ = (content.Host, content.User, content.JobName, content.Class, content.BannerUser, content.SourceNames);
        if (content.PrintCommands.Count == 0)
            throw new FuzzPropertyException("an accepted control file prints nothing.");
        foreach (var name in content.ReferencedDataFiles)
        {
            if (!LpdControlFile.IsDataFileName(name))
                throw new FuzzPropertyException($"an accepted control file names '{name}', not a data file name.");
        }

        var copies = content.Copies;
        if (copies.Count < 1 || copies.Count > content.PrintCommands.Count)
            throw new FuzzPropertyException($"{copies.Count} copies from {content.PrintCommands.Count} print commands.");
        return content;
    }

    private static void CheckOperandParsers(string line)
    {
        if (LpdWire.TryParseFileHeader(line, out var count, out var name, out var problem))
        {
            if (count <= 0 || name.Length == 0)
                throw new FuzzPropertyException($"file header '{LpdWire.Printable(line)}' accepted with count {count}, name '{name}'.");
        }
        else if (string.IsNullOrWhiteSpace(problem))
        {
            throw new FuzzPropertyException($"file header '{LpdWire.Printable(line)}' refused without a problem.");
        }

        var (queue, list) = LpdWire.ParseQueueOperand(line);
        if (list.Count > 0 && queue.Length == 0)
            throw new FuzzPropertyException("a queue operand with a list but no queue.");
        _ = LpdWire.Printable(line);
    }
}
