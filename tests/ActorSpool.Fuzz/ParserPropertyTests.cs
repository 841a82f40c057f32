using System.Buffers.Binary;
using System.Text;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Fuzz.Targets;
using CsCheck;

namespace ActorSpool.Fuzz;

/// <summary>
/// The fuzz targets' properties, checked on a few thousand generated inputs per parser in every test run, so CI keeps
/// checking between fuzzing campaigns. On failure CsCheck shrinks the input and prints the seed that replays it
/// (CsCheck_Seed=... dotnet test ...).
/// </summary>
public sealed class ParserPropertyTests
{
    private const int Cases = 3000;

    [Fact]
    public void Ipp_requests_are_parsed_or_refused_with_a_clean_ipp_error() =>
        Check("ipp", IppElements);

    [Fact]
    public void Lpd_control_files_are_parsed_or_refused_with_a_format_error() =>
        Check("lpd", InputGenerators.Tokens(
            ["H", "P", "J", "C", "L", "N", "T", "U", "I", "M", "S", "W", "1", "l", "f", "o", "p", "v", "A", "Q", "Z",
             "dfA001host", "dfz999h", "dfA01host", "cfA001host", "df\u00e4001h", "alice", "\u00fcber", "\t", "\0", "/", " ",
             "4096 ", "0 ", "18446744073709551616 ", new string('x', 140)],
            ["", "", "\n", "\n", "\r\n", " "], maxTokens: 40));

    [Fact]
    public void Printers_conf_texts_load_or_are_refused_with_problems_naming_the_file() =>
        Check("topology", InputGenerators.Tokens(
            ["actorspool", "actorspool.printers", "actorspool.queues", "printers", "queues", "default-queue", "demo-printers",
             "uri", "fallback-uri", "mode", "sequential", "default-priority", "max-attempts", "max-document-size", "raw-port",
             "lj-1", "office", "LJ-1", "\"lj 1\"", "\"socket://127.0.0.1:9100\"", "\"ipp://h/p\"", "\"lpd://h\"", "\"file:///x\"",
             "failover", "balance", "on", "off", "50", "0", "-1", "99999999999", "64M", "1.5G", "9200",
             "{", "}", "[", "]", "=", ":", ",", "+=", "\"", "\"\"\"", "${actorspool.queues}", "${?HOME}", "${a}", "a = ${a}",
             "#", "//", "include \"x.conf\"", "null", "true", "\\"],
            [" ", " ", "\n", "", ","], maxTokens: 60));

    [Fact]
    public void Command_host_requests_are_answered_or_refused_with_an_error() =>
        Check("command", InputGenerators.Tokens(
            ["{", "}", "[", "]", ":", ",", "\"op\"", "\"palette\"", "\"verb\"", "\"args\"", "\"token\"", "\"json\"",
             "\"run\"", "\"palettes\"", "\"cancel\"", "\"job\"", "\"queue\"", "\"log\"", "\"show\"", "\"list\"", "\"pause\"",
             "\"limit\"", "\"state\"", "\"all\"", "\"42\"", "\"-1\"", "\"99999999999999999999\"", "null", "true", "false",
             "1", "1e400", "\"\\u0000\"", "\"\\ud800\"", "\n", "\r\n"],
            ["", "", " "], maxTokens: 50));

    /// <summary>A request line one byte over the limit ends the connection, whatever follows it in the same read.</summary>
    [Fact]
    public void A_command_line_over_the_limit_is_refused_even_when_its_end_arrives_in_the_same_read()
    {
        var line = "{\"op\":\"palettes\",\"token\":\"" + new string('x', CommandWire.MaxRequestLength) + "\"}\n";
        new CommandRequestTarget().Run(Encoding.UTF8.GetBytes(line));
    }

    private static void Check(string target, Gen<byte[]> tokens)
    {
        var fuzzTarget = FuzzTargets.Find(target)!;
        InputGenerators.For(target, tokens).Sample(fuzzTarget.Run, iter: Cases, threads: 1,
            print: bytes => Convert.ToHexString(bytes));
    }

    // IPP messages assembled from well-formed and broken fields: delimiters, every value tag with a value of the
    // right length or not, collections opened and closed, lengths pointing past the end.
    private static readonly Gen<byte[]> IppElements =
        Gen.Select(Gen.Byte.Array[8], Gen.Select(Gen.Int[0, 40], Gen.Int[0, 6], Gen.Int[0, 12], Gen.Byte).Array[0, 30])
            .Select((header, elements) =>
            {
                var bytes = new List<byte>(header) { [0] = 2, [1] = 0 };
                foreach (var (kind, name, length, fill) in elements)
                {
                    byte[] tags = [0x01, 0x02, 0x03, 0x04, 0x05, 0x00, 0x0F, 0x10, 0x13, 0x21, 0x22, 0x23, 0x30, 0x31, 0x32, 0x33, 0x34,
                        0x35, 0x36, 0x37, 0x41, 0x42, 0x44, 0x45, 0x47, 0x48, 0x49, 0x4A, 0x7F, 0xFF];
                    var tag = tags[kind % tags.Length];
                    bytes.Add(tag);
                    if (tag < 0x10)
                        continue;
                    var nameBytes = Encoding.UTF8.GetBytes(new[] { "", "", "job-name", "media-col", "x", "\u00e9", "attributes-charset" }[name]);
                    AddField(bytes, nameBytes);
                    var valueLength = new[] { 0, 1, 2, 4, 5, 8, 9, 11, 3, 16, 255, 1023, 1024 }[length];
                    var value = Enumerable.Repeat(fill, valueLength).ToArray();
                    if (tag is 0x35 or 0x36 && valueLength >= 8)
                    {
                        BinaryPrimitives.WriteUInt16BigEndian(value, (ushort)(fill % 3));
                        BinaryPrimitives.WriteUInt16BigEndian(value.AsSpan(2 + fill % 3), (ushort)Math.Max(0, valueLength - 4 - fill % 3));
                    }

                    AddField(bytes, value);
                }

                if (elements.Length % 3 != 0)
                    bytes.Add(0x03);
                return bytes.ToArray();
            });

    private static void AddField(List<byte> bytes, byte[] field)
    {
        bytes.Add((byte)(field.Length >> 8));
        bytes.Add((byte)field.Length);
        bytes.AddRange(field);
    }
}
