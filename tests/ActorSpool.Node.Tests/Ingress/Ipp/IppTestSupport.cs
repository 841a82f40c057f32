using System.Text;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>Builds requests the way clients send them and reads responses, for the service and HTTP tests.</summary>
internal static class IppTestSupport
{
    public const string Authority = "spool.example:8631";
    public const string OfficeUri = "ipp://spool.example:8631/printers/office";
    public const string LabUri = "ipp://spool.example:8631/printers/lab";

    public static readonly IppRequestContext Context = new(Authority, "/printers/office");

    /// <summary>A request from "admin", logged in with HTTP Basic and named in actorspool.security.admins.</summary>
    public static readonly IppRequestContext AdminContext = Context with { AuthenticatedUser = "admin", Admin = true };

    public static readonly byte[] TextDocument = Encoding.UTF8.GetBytes("Hello from ActorSpool.\n");

    /// <summary>A well-formed request: utf-8, en, and printer-uri unless <paramref name="printerUri"/> is null.</summary>
    public static IppMessage Request(IppOperation operation, string? printerUri = OfficeUri, int requestId = 42)
    {
        var message = new IppMessage { VersionMajor = 2, VersionMinor = 0, Code = (short)operation, RequestId = requestId };
        var group = message.AddGroup(IppTag.OperationAttributes)
            .Add(IppAttribute.Charset("attributes-charset", "utf-8"))
            .Add(IppAttribute.NaturalLanguage("attributes-natural-language", "en"));
        if (printerUri is not null)
            group.Add(IppAttribute.Uri("printer-uri", printerUri));
        return message;
    }

    public static IppMessage PrintJob(string user = "alice", string? printerUri = OfficeUri) =>
        Request(IppOperation.PrintJob, printerUri)
            .Op(IppAttribute.NameWithoutLanguage("requesting-user-name", user))
            .Op(IppAttribute.NameWithoutLanguage("job-name", "report"))
            .Op(IppAttribute.MimeMediaType("document-format", "text/plain"));

    public static IppMessage JobRequest(IppOperation operation, long jobId, string user = "alice") =>
        Request(operation)
            .Op(IppAttribute.Integer("job-id", (int)jobId))
            .Op(IppAttribute.NameWithoutLanguage("requesting-user-name", user));

    public static IppMessage Op(this IppMessage message, IppAttribute attribute)
    {
        message.OperationAttributes!.Add(attribute);
        return message;
    }

    public static IppMessage JobAttr(this IppMessage message, IppAttribute attribute)
    {
        (message.JobAttributes ?? message.AddGroup(IppTag.JobAttributes)).Add(attribute);
        return message;
    }

    public static byte[] Encode(IppMessage message, byte[]? document = null) =>
        [.. IppWriter.Write(message), .. document ?? []];

    /// <summary>Sends the encoded request through the service's stream entry point, as the HTTP endpoint does.</summary>
    public static Task<IppMessage> SendAsync(this IppPrintService service, IppMessage request, byte[]? document = null,
        IppRequestContext? context = null) =>
        service.HandleAsync(new MemoryStream(Encode(request, document)), context ?? Context);

    public static Task<IppMessage> SendRawAsync(this IppPrintService service, byte[] body) =>
        service.HandleAsync(new MemoryStream(body), Context);

    public static string? StatusMessage(this IppMessage response) =>
        response.FindOperationAttribute("status-message")?.Value.AsString();

    public static IppAttribute? Find(this IppMessage response, IppTag group, string name) =>
        response.FindGroup(group)?.Find(name);

    public static IppAttribute Job(this IppMessage response, string name) =>
        response.Find(IppTag.JobAttributes, name) ?? throw new Xunit.Sdk.XunitException($"job attribute {name} missing");

    public static IppAttribute Printer(this IppMessage response, string name) =>
        response.Find(IppTag.PrinterAttributes, name) ?? throw new Xunit.Sdk.XunitException($"printer attribute {name} missing");

    public static IppAttribute? Unsupported(this IppMessage response, string name) =>
        response.Find(IppTag.UnsupportedAttributes, name);

    public static IReadOnlyList<IppAttributeGroup> JobGroups(this IppMessage response) =>
        response.Groups.Where(g => g.Tag == IppTag.JobAttributes).ToList();

    public static void AssertStatus(this IppMessage response, IppStatusCode expected) =>
        Assert.True(response.Status == expected,
            $"expected {expected}, got {response.Status} ({response.StatusMessage() ?? "no status-message"})");

    /// <summary>Prints a job through the service and returns its id.</summary>
    public static async Task<long> PrintAsync(this IppPrintService service, string user = "alice", Action<IppMessage>? tweak = null)
    {
        var request = PrintJob(user);
        tweak?.Invoke(request);
        var response = await service.SendAsync(request, TextDocument);
        response.AssertStatus(IppStatusCode.SuccessfulOk);
        return response.Job("job-id").Value.AsInt();
    }
}
