using ActorSpool.Fuzz.Targets;

namespace ActorSpool.Fuzz;

/// <summary>
/// Every committed input: the seeds (tests/fuzz/corpus/TARGET) and each crash, hang or broken property that fuzzing
/// found (tests/fuzz/regressions/TARGET, named after what it broke), kept as a regression test once its parser is fixed.
/// They stay out of the seed corpus because some are large (deep nesting), which would slow afl-fuzz down.
/// </summary>
public sealed class CorpusTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var set in new[] { "corpus", "regressions" })
        {
            foreach (var target in FuzzTargets.All)
            {
                var directory = Path.Combine(AppContext.BaseDirectory, set, target.Name);
                if (!Directory.Exists(directory))
                    continue;
                foreach (var file in Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal))
                    data.Add(target.Name, Path.Combine(set, target.Name, Path.GetFileName(file)));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Corpus_input_keeps_its_parser_within_its_properties(string target, string file) =>
        FuzzTargets.Find(target)!.Run(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, file)));

    [Fact]
    public void Every_target_has_seeds()
    {
        foreach (var target in FuzzTargets.All)
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "corpus", target.Name)));
    }
}
