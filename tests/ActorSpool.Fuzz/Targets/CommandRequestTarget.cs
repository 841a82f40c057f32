using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Node.Management;

namespace ActorSpool.Fuzz.Targets;

/// <summary>
/// The command host's request reader: the bytes of one connection are read as the node reads them
/// (<see cref="CommandRequestReader"/>), each line parsed as a request and, for a run request, its palette, verb and
/// arguments checked against the node's real palette definitions (<see cref="ArgumentParser.TryValidate"/>), then
/// read through <see cref="CommandContext"/> as the palettes read them. Properties:
/// <list type="bullet">
/// <item>no exception but the documented ones: <see cref="InvalidDataException"/> for an over-long line (the
/// connection ends), a parse error or validation error with a message (an <c>err</c> reply and exit code 2), and
/// <see cref="CommandException"/> from the typed argument accessors;</item>
/// <item>no line longer than <see cref="CommandWire.MaxRequestLength"/> reaches the parser;</item>
/// <item>an accepted request hands the palette no null argument value;</item>
/// <item>memory stays linear in the input.</item>
/// </list>
/// </summary>
public sealed class CommandRequestTarget : IFuzzTarget
{
    private static readonly Lazy<Dictionary<string, PaletteDefinition>> Palettes = new(LoadPalettes);

    public string Name => "command";

    public void Run(byte[] input) =>
        AllocationBudget.Check("CommandRequestReader", input.Length, baseBytes: 1024 * 1024, bytesPerInputByte: 256, () => Check(input));

    private static void Check(byte[] input)
    {
        using var connection = new MemoryStream(input, writable: false);
        var reader = new CommandRequestReader(connection);
        while (true)
        {
            string? line;
            try
            {
                // MemoryStream completes reads synchronously, so this does not block a thread pool thread.
                line = reader.ReadLineAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (InvalidDataException)
            {
                return;
            }

            if (line is null)
                return;
            if (line.Length > CommandWire.MaxRequestLength)
                throw new FuzzPropertyException($"a request line of {line.Length} characters was read (limit {CommandWire.MaxRequestLength}).");
            if (!string.IsNullOrWhiteSpace(line))
                CheckRequest(line);
        }
    }

    private static void CheckRequest(string line)
    {
        if (!CommandRequestReader.TryParse(line, out var request, out var parseError))
        {
            if (string.IsNullOrWhiteSpace(parseError))
                throw new FuzzPropertyException("a request refused without an error.");
            return;
        }

        if ((request.Op ?? CommandOps.Run) != CommandOps.Run)
            return;
        if (string.IsNullOrWhiteSpace(request.Palette) || !Palettes.Value.TryGetValue(request.Palette, out var palette))
            return;
        var verb = string.IsNullOrWhiteSpace(request.Verb) ? null : palette.FindVerb(request.Verb);
        if (verb is null)
            return;

        if (!ArgumentParser.TryValidate(palette.Name, verb, request.Args, out var args, out var error))
        {
            if (string.IsNullOrWhiteSpace(error))
                throw new FuzzPropertyException("arguments refused without an error.");
            return;
        }

        var context = new CommandContext(palette.Name, verb, args, request.Json, NoOutput.Instance);
        foreach (var argument in verb.Arguments)
        {
            if (context.Values(argument.Name).Any(v => v is null))
                throw new FuzzPropertyException($"{palette.Name} {verb.Name}: argument '{argument.Name}' reaches the palette with a null value.");
            _ = (context.Value(argument.Name), context.Flag(argument.Name));
            try
            {
                _ = context.Int(argument.Name, int.MinValue, int.MaxValue);
            }
            catch (CommandException)
            {
            }

            try
            {
                _ = context.Long(argument.Name, long.MinValue);
            }
            catch (CommandException)
            {
            }
        }
    }

    // The node's palettes, made without their services: only their definitions are read.
    private static Dictionary<string, PaletteDefinition> LoadPalettes() =>
        typeof(ICommandPalette).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICommandPalette).IsAssignableFrom(t))
            .Select(t => (ICommandPalette)Activator.CreateInstance(t, new object?[t.GetConstructors().Single().GetParameters().Length])!)
            .ToDictionary(p => p.Definition.Name, p => p.Definition, StringComparer.OrdinalIgnoreCase);

    private sealed class NoOutput : ICommandOutput
    {
        public static readonly NoOutput Instance = new();

        public ValueTask WriteAsync(CommandReply reply, CancellationToken ct) => ValueTask.CompletedTask;
    }
}
