using System.Text;
using ActorSpool.Contracts.Spoolctl;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Protocols.Lpd;

namespace ActorSpool.Fuzz;

/// <summary>
/// The generated part of the seed corpus (tests/fuzz/corpus): real requests as the repository's own writers produce
/// them, so the fuzzer starts from inputs that pass every check and mutates from there. Written once with
/// <c>ActorSpool.Fuzz seeds tests/fuzz/corpus</c>; the printers.conf samples beside them are written by hand.
/// </summary>
public static class SeedCorpus
{
    public static IReadOnlyDictionary<string, byte[]> Ipp() => new Dictionary<string, byte[]>
    {
        ["print-job"] = Request(IppOperation.PrintJob, 1, op =>
        {
            op.Add(IppAttribute.NameWithoutLanguage("requesting-user-name", "alice"));
            op.Add(IppAttribute.NameWithoutLanguage("job-name", "report.pdf"));
            op.Add(IppAttribute.MimeMediaType("document-format", "application/pdf"));
        }, job => job.Add(IppAttribute.Integer("copies", 2)), Encoding.ASCII.GetBytes("%PDF-1.4 fuzz\n")),
        ["create-job"] = Request(IppOperation.CreateJob, 2, op =>
        {
            op.Add(IppAttribute.NameWithoutLanguage("requesting-user-name", "bob"));
            op.Add(IppAttribute.TextWithLanguage("job-name", "de", "Bericht"));
        }, job =>
        {
            job.Add(IppAttribute.Integer("job-priority", 70));
            job.Add(IppAttribute.Keyword("sides", "two-sided-long-edge"));
            job.Add(IppAttribute.Collection("media-col", new IppCollection(
                IppAttribute.Keyword("media-type", "stationery"),
                IppAttribute.Collection("media-size", new IppCollection(
                    IppAttribute.Integer("x-dimension", 21000), IppAttribute.Integer("y-dimension", 29700))))));
            job.Add(IppAttribute.Resolution("printer-resolution", 600, 600, IppResolution.DotsPerInch));
            job.Add(IppAttribute.Range("page-ranges", 1, 5));
        }),
        ["send-document"] = Request(IppOperation.SendDocument, 3, op =>
        {
            op.Add(IppAttribute.Integer("job-id", 7));
            op.Add(IppAttribute.Boolean("last-document", true));
            op.Add(IppAttribute.NameWithLanguage("document-name", "en", "page two"));
        }, null, Encoding.ASCII.GetBytes("second document\n")),
        ["cancel-job"] = Request(IppOperation.CancelJob, 4, op => op.Add(IppAttribute.Integer("job-id", 7))),
        ["get-jobs"] = Request(IppOperation.GetJobs, 5, op =>
        {
            op.Add(IppAttribute.Keyword("which-jobs", "completed"));
            op.Add(IppAttribute.Integer("limit", 10));
            op.Add(IppAttribute.Keyword("requested-attributes", "job-id", "job-state", "job-name"));
        }),
        ["get-printer-attributes"] = Request(IppOperation.GetPrinterAttributes, 6, op =>
            op.Add(IppAttribute.Keyword("requested-attributes", "all", "media-col-database"))),
        ["set-job-attributes"] = Request(IppOperation.SetJobAttributes, 7, op => op.Add(IppAttribute.Integer("job-id", 7)),
            job => job.Add(IppAttribute.DateTime("job-hold-until-time", new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.FromHours(1))))),
        ["out-of-band"] = Request(IppOperation.ValidateJob, 8, op =>
        {
            op.Add(new IppAttribute("job-name", new IppValue(IppTag.NoValue, null)));
            op.Add(new IppAttribute("x-vendor", new IppValue(IppTag.OctetString, new byte[] { 0, 1, 2, 0xFF })));
        }),
    };

    public static IReadOnlyDictionary<string, byte[]> Lpd() => new Dictionary<string, byte[]>
    {
        ["one-file"] = LpdControlFile.Build(new LpdJobInfo(1, "client.example", "alice", "report"), [("dfA001client.example", "report.txt")]),
        ["banner-postscript"] = LpdControlFile.Build(new LpdJobInfo(2, "host", "bob"), [("dfA002host", null)], 'o', banner: true),
        ["collated-copies"] = LpdControlFile.Build(new LpdJobInfo(3, "host", "carol", "two files") { Copies = 3 },
            [("dfA003host", "a.txt"), ("dfB003host", "b.txt")]),
        ["uncollated-copies"] = LpdControlFile.Build(new LpdJobInfo(4, "host", "dave") { Copies = 2, UncollatedCopies = true },
            [("dfA004host", "a"), ("dfB004host", "b")]),
        // What LPRng and Windows send: unknown commands, CR LF line ends, Latin-1 text.
        ["lprng-crlf"] = Encoding.Latin1.GetBytes("Hwin-pc\r\nPM\u00fcller\r\nJBericht \u00e4\r\nA123@win-pc\r\nQoffice\r\nldfA123win-pc\r\nUdfA123win-pc\r\n"),
        // The receive-file subcommand operand lines.
        ["file-headers"] = Encoding.ASCII.GetBytes("Hh\nPp\nldfA001h\n120 cfA001h\n4096 dfA001h\n"),
    };

    public static IReadOnlyDictionary<string, byte[]> Command() => new Dictionary<string, byte[]>
    {
        ["palettes"] = Lines(new CommandRequest { Op = CommandOps.Palettes }),
        ["job-show"] = Lines(new CommandRequest { Palette = "job", Verb = "show", Args = new() { ["job"] = ["42"] } }),
        ["job-list-json"] = Lines(new CommandRequest
        {
            Op = CommandOps.Run,
            Palette = "job",
            Verb = "list",
            Args = new() { ["state"] = ["all"], ["limit"] = ["5"], ["queue"] = ["office"] },
            Json = true,
        }),
        ["queue-pause-token"] = Lines(new CommandRequest { Palette = "queue", Verb = "pause", Args = new() { ["queue"] = ["office"] }, Token = "s3cret" }),
        ["run-then-cancel"] = Lines(
            new CommandRequest { Palette = "log", Verb = "tail" },
            new CommandRequest { Op = CommandOps.Cancel }),
    };

    public static void Write(string directory)
    {
        Write(Path.Combine(directory, "ipp"), Ipp(), ".ipp");
        Write(Path.Combine(directory, "lpd"), Lpd(), ".cf");
        Write(Path.Combine(directory, "command"), Command(), ".jsonl");
    }

    private static void Write(string directory, IReadOnlyDictionary<string, byte[]> seeds, string extension)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, bytes) in seeds)
            File.WriteAllBytes(Path.Combine(directory, "seed-" + name + extension), bytes);
    }

    private static byte[] Request(IppOperation operation, int requestId, Action<IppAttributeGroup> operationAttributes,
        Action<IppAttributeGroup>? jobAttributes = null, byte[]? document = null)
    {
        var message = new IppMessage { VersionMajor = 2, VersionMinor = 0, Code = (short)operation, RequestId = requestId };
        var op = message.AddGroup(IppTag.OperationAttributes);
        op.Add(IppAttribute.Charset("attributes-charset", "utf-8"));
        op.Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en"));
        op.Add(IppAttribute.Uri("printer-uri", "ipp://127.0.0.1:8631/printers/office"));
        operationAttributes(op);
        if (jobAttributes is not null)
            jobAttributes(message.AddGroup(IppTag.JobAttributes));
        return [.. IppWriter.Write(message), .. document ?? []];
    }

    private static byte[] Lines(params CommandRequest[] requests) =>
        Encoding.UTF8.GetBytes(string.Concat(requests.Select(r => CommandWire.Serialize(r) + "\n")));
}
