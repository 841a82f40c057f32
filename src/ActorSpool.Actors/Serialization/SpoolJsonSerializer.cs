using System.Text.Json;
using System.Text.Json.Serialization;
using ActorSpool.Domain.Messages;
using Akka.Actor;
using Akka.Serialization;

namespace ActorSpool.Actors.Serialization;

/// <summary>
/// Serializes every <see cref="ISpoolMessage"/> (journal events, messages between nodes) as JSON with
/// System.Text.Json. The manifest is the type's short name pinned in <see cref="SpoolManifests"/>, so types can be
/// renamed or moved; full type names, the manifests of older journals, still read. An unknown manifest fails loudly
/// instead of deserializing into the wrong shape. Actor references travel as their serialized paths. Queue snapshots
/// are written by <see cref="QueueSnapshotSerializer"/> (binary); the JSON ones stored before still read here.
/// </summary>
public sealed class SpoolJsonSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 7431;

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

    public override string Manifest(object o) =>
        SpoolManifests.ManifestOf(o.GetType())
        ?? throw new System.Runtime.Serialization.SerializationException(
            $"{o.GetType().FullName} has no manifest: add it to {nameof(SpoolManifests)}");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), _options);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (!SpoolManifests.TryGetType(manifest, out var type))
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
