using System.Text;
using CsCheck;

namespace ActorSpool.Fuzz;

/// <summary>
/// CsCheck generators for the parser property tests: each mixes random bytes, mutated seed-corpus inputs and
/// inputs assembled from the format's own tokens, so the quick CI run reaches past the first length check.
/// </summary>
public static class InputGenerators
{
    /// <summary>The seed corpus of a target as committed (tests/fuzz/corpus/TARGET, copied next to the tests).</summary>
    public static byte[][] Seeds(string target) =>
        Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "corpus", target))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllBytes)
            .ToArray();

    /// <summary>A seed changed as a fuzzer would: bytes flipped, inserted, deleted, repeated, cut, or two seeds spliced.</summary>
    public static Gen<byte[]> Mutated(byte[][] seeds) =>
        Gen.Select(Gen.Int[0, seeds.Length - 1], Gen.Int[0, seeds.Length - 1], Gen.Int[1, 4], Gen.Int.Array[4 * 8])
            .Select((a, b, rounds, choices) =>
            {
                var data = new List<byte>(seeds[a]);
                for (var round = 0; round < rounds; round++)
                    Mutate(data, seeds[b], choices[(round * 8)..((round + 1) * 8)]);
                return data.ToArray();
            });

    private static void Mutate(List<byte> data, byte[] other, int[] c)
    {
        int At(int i, int length) => length == 0 ? 0 : (int)((uint)c[i] % (uint)length);
        switch ((uint)c[0] % 7)
        {
            case 0 when data.Count > 0:
                data[At(1, data.Count)] ^= (byte)(1 << At(2, 8));
                break;
            case 1 when data.Count > 0:
                data[At(1, data.Count)] = (byte)c[2];   // any byte value, often a boundary once masked
                break;
            case 2:
                data.InsertRange(At(1, data.Count + 1), Enumerable.Range(0, 1 + At(2, 16)).Select(i => (byte)(c[3] >> (i % 4 * 8))));
                break;
            case 3 when data.Count > 0:
                var start = At(1, data.Count);
                data.RemoveRange(start, At(2, data.Count - start + 1));
                break;
            case 4 when data.Count > 0:
                var from = At(1, data.Count);
                var count = Math.Min(data.Count - from, 1 + At(2, 64));
                var copy = data.GetRange(from, count);
                for (var i = 0; i <= At(3, 4); i++)
                    data.InsertRange(At(4, data.Count + 1), copy);
                break;
            case 5 when data.Count > 1:
                // A 16-bit length field (IPP) or a count set to an edge: 0, 1, 0x7FFF, 0xFFFF.
                var at = At(1, data.Count - 1);
                var edge = new[] { 0, 1, 0x7FFF, 0xFFFF }[At(2, 4)];
                data[at] = (byte)(edge >> 8);
                data[at + 1] = (byte)edge;
                break;
            default:
                var cut = At(1, data.Count + 1);
                data.RemoveRange(cut, data.Count - cut);
                data.AddRange(other.AsSpan(At(2, other.Length + 1)).ToArray());
                break;
        }
    }

    /// <summary>Text assembled from <paramref name="tokens"/>, each followed by one of <paramref name="separators"/>.</summary>
    public static Gen<byte[]> Tokens(string[] tokens, string[] separators, int maxTokens) =>
        Gen.Select(Gen.Int[0, tokens.Length - 1], Gen.Int[0, separators.Length - 1]).Array[0, maxTokens]
            .Select(picks => Encoding.UTF8.GetBytes(string.Concat(picks.Select(p => tokens[p.Item1] + separators[p.Item2]))));

    /// <summary>One of: random bytes, a mutated seed, or the format's tokens — the three equally often.</summary>
    public static Gen<byte[]> For(string target, Gen<byte[]> tokens) =>
        Gen.OneOf(Gen.Byte.Array[0, 300], Mutated(Seeds(target)), tokens);
}
