using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorSpool.Domain.Messages;
using Akka.Actor;
using Akka.Serialization;

namespace ActorSpool.Actors.Serialization;

/// <summary>
/// Serializes every <see cref="ISpoolMessage"/> (journal events, snapshots, messages between nodes) as JSON with
/// System.Text.Json. The manifest is the type's full name, so a renamed type fails loudly instead of
/// deserializing into the wrong shape; actor references travel as their serialized paths.
/// </summary>
public sealed class SpoolJsonSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 7431;

    private static readonly FrozenDictionary<string, Type> TypesByManifest = typeof(ISpoolMessage).Assembly.GetTypes()
        .Where(t => typeof(ISpoolMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
        .ToFrozenDictionary(t => t.FullName!, t => t);

    private readonly JsonSerializerOptions _options;

    public SpoolJsonSerializer(ExtendedActorSystem system)
        : base(system)
    {
        _options = new JsonSerializerOptions
        {
            Converters = { new JsonStringEnumConverter(), new ActorRefConverter(system) },
        };
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) => o.GetType().FullName!;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!TypesByManifest.TryGetValue(manifest, out var type))
        {
            throw new System.Runtime.Serialization.SerializationException($"Unknown ActorSpool message type '{manifest}'");
        }
        return JsonSerializer.Deserialize(bytes, type, _options)
               ?? throw new System.Runtime.Serialization.SerializationException($"Empty payload for '{manifest}'");
    }

    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override bool CanConvert(Type typeToConvert) => typeof(IActorRef).IsAssignableFrom(typeToConvert);

        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() is { Length: > 0 } path ? system.Provider.ResolveActorRef(path) : ActorRefs.Nobody;

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
    }
}
