using ActorSpool.Fuzz.Targets;

namespace ActorSpool.Fuzz;

/// <summary>
/// Every input of the committed corpus (tests/fuzz/corpus/TARGET): the seeds, and each crash or hang a fuzzing
/// run found (named after what it broke), kept as a regression test once its parser is fixed.
/// </summary>
public sealed class CorpusTests
{
    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var target in FuzzTargets.All)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "corpus", target.Name)).Order(StringComparer.Ordinal))
                data.Add(target.Name, Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Corpus_input_keeps_its_parser_within_its_properties(string target, string file) =>
        FuzzTargets.Find(target)!.Run(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "corpus", target, file)));

    [Fact]
    public void Every_target_has_seeds()
    {
        foreach (var target in FuzzTargets.All)
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "corpus", target.Name)));
    }
}
