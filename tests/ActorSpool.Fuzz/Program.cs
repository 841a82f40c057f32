using ActorSpool.Fuzz.Targets;
using SharpFuzz;

namespace ActorSpool.Fuzz;

/// <summary>
/// The fuzzing entry point (scripts/fuzz.sh). <c>TARGET</c> alone runs under afl-fuzz (SharpFuzz's in-process fork
/// server; run by hand it reads one input from standard input); <c>TARGET FILE|DIR...</c> replays inputs and reports
/// each finding; <c>seeds DIR</c> writes the generated part of the seed corpus.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "seeds")
        {
            SeedCorpus.Write(args[1]);
            return 0;
        }

        var target = args.Length > 0 ? FuzzTargets.Find(args[0]) : null;
        if (target is null)
        {
            Console.Error.WriteLine("usage: ActorSpool.Fuzz TARGET [FILE|DIR...] | seeds DIR");
            Console.Error.WriteLine($"targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
            return 2;
        }

        if (args.Length == 1)
        {
            Fuzzer.Run(stream =>
            {
                using var input = new MemoryStream();
                stream.CopyTo(input);
                target.Run(input.ToArray());
            });
            return 0;
        }

        return Replay(target, args[1..]);
    }

    private static int Replay(IFuzzTarget target, IEnumerable<string> paths)
    {
        var files = paths.SelectMany(Inputs).ToArray();
        var findings = 0;
        foreach (var file in files)
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                findings++;
                Console.WriteLine($"FINDING {file}: {e.GetType().FullName}: {e.Message}");
                Console.WriteLine(e.StackTrace);
            }
        }

        Console.WriteLine($"{target.Name}: {files.Length} inputs replayed, {findings} findings");
        return findings == 0 ? 0 : 1;
    }

    private static IEnumerable<string> Inputs(string path) => Directory.Exists(path)
        ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
        : [path];
}
