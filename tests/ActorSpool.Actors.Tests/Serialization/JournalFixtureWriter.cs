namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>
/// Writes a new journal fixture (<see cref="JournalFixture"/>) when ACTORSPOOL_WRITE_JOURNAL_FIXTURE names the file:
/// <c>ACTORSPOOL_WRITE_JOURNAL_FIXTURE=/tmp/journal-X.db dotnet test ... --filter FullyQualifiedName~JournalFixtureWriter</c>.
/// Skipped otherwise: a fixture is written once, by the version whose journal it preserves.
/// </summary>
public sealed class JournalFixtureWriter
{
    private const string Variable = "ACTORSPOOL_WRITE_JOURNAL_FIXTURE";

    [WhenFixtureRequested]
    public Task Write() => JournalFixture.WriteAsync(Environment.GetEnvironmentVariable(Variable)!);

    private sealed class WhenFixtureRequestedAttribute : FactAttribute
    {
        public WhenFixtureRequestedAttribute()
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable))) Skip = $"writes a journal fixture only when {Variable} is set";
        }
    }
}
