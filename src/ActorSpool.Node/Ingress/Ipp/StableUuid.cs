using System.Security.Cryptography;
using System.Text;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// Name-based UUIDs (RFC 9562 version 5), so a queue keeps the same printer-uuid on every node and after restarts
/// without storing one.
/// </summary>
internal static class StableUuid
{
    // A fixed namespace for ActorSpool queue names.
    private static readonly Guid QueueNamespace = new("5b1f7e0e-3c1a-4d6e-9a57-7f3d2c1b0a99");

    public static string ForQueue(string queue) => "urn:uuid:" + Create(QueueNamespace, queue.ToLowerInvariant());

    public static Guid Create(Guid ns, string name)
    {
        byte[] input = [.. ns.ToByteArray(bigEndian: true), .. Encoding.UTF8.GetBytes(name)];
        byte[] hash = SHA1.HashData(input);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC variant
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }
}
