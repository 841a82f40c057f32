using System.Runtime.Serialization;
using ActorSpool.Domain.Jobs;
using Akka.Actor;
using Akka.Serialization;

namespace ActorSpool.Actors.Serialization;

/// <summary>
/// Writes a queue's <see cref="QueueSnapshot"/> in the compact binary form of <see cref="QueueSnapshotCodec"/>: a big
/// queue's snapshot is written often and read on every restart, where JSON took seconds at 100,000 jobs. Bound to
/// QueueSnapshot in config/actorspool.conf, ahead of the ISpoolMessage binding of <see cref="SpoolJsonSerializer"/>.
/// Snapshots stored before are JSON under that serializer's id and still read through it: Akka picks the reader by
/// the id stored with the snapshot.
/// </summary>
public sealed class QueueSnapshotSerializer : SerializerWithStringManifest
{
    public const int SerializerId = 7432;

    /// <summary>
    /// Names the type, not the format version: that is the payload's first byte, so a new version needs no new manifest.
    /// </summary>
    public const string SnapshotManifest = "queue-snapshot.bin";

    public QueueSnapshotSerializer(ExtendedActorSystem system)
        : base(system)
    {
    }

    public override int Identifier => SerializerId;

    public override string Manifest(object o) =>
        o is QueueSnapshot ? SnapshotManifest : throw NotASnapshot(o);

    public override byte[] ToBinary(object obj) =>
        obj is QueueSnapshot snapshot ? QueueSnapshotCodec.Write(snapshot) : throw NotASnapshot(obj);

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (manifest != SnapshotManifest)
        {
            throw new SerializationException($"{nameof(QueueSnapshotSerializer)} reads only '{SnapshotManifest}', not '{manifest}'");
        }
        try
        {
            return QueueSnapshotCodec.Read(bytes);
        }
        catch (InvalidDataException e)
        {
            throw new SerializationException($"Unreadable queue snapshot ({bytes.Length} bytes): {e.Message}", e);
        }
    }

    private static SerializationException NotASnapshot(object o) =>
        new($"{nameof(QueueSnapshotSerializer)} writes only {nameof(QueueSnapshot)}, not {o.GetType().FullName}");
}
