using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorSpool.Actors.Tests.Serialization;

/// <summary>
/// Deep equality for messages: records holding arrays (a job's documents, a snapshot's jobs) compare those by reference,
/// so two messages are compared by type and by every stored field, as plain JSON.
/// </summary>
public static class SameValue
{
    private static readonly JsonSerializerOptions Options = new() { Converters = { new JsonStringEnumConverter() } };

    public static void Equal(object expected, object? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(JsonSerializer.Serialize(expected, expected.GetType(), Options), JsonSerializer.Serialize(actual, actual.GetType(), Options));
    }
}
