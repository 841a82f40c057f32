using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using ActorSpool.Node.Spool;
using ActorSpool.Protocols.Ipp;
using static ActorSpool.Domain.Messages.JobQueueProtocol;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>Describes one queue as an IPP printer (the attributes <see cref="PrinterAttributes"/> makes).</summary>
internal delegate Task<IppAttributeGroup> PrinterDescriber(
    QueueDefinition queue, RequestedAttributes requested, IppRequestContext context, CancellationToken ct);

/// <summary>
/// CUPS's own operations (the CUPS Implementation of IPP), so CUPS's <c>lpstat</c> and <c>lpadmin</c> work against the
/// spooler: CUPS-Get-Printers, -Get-Default, -Get-Classes (none), -Add-Modify-Printer, -Delete-Printer, -Set-Default.
/// A CUPS "printer" is an ActorSpool queue (ipp://host/printers/NAME); its device-uri is the uri of the queue's first
/// printer. The changing ones are an authenticated admin's and go to the cluster's live topology as one change each.
/// </summary>
internal sealed class IppAdminOperations(
    ISpoolGateway gateway, ILiveTopology topology, ITopologyAdmin? admin, IppTargetResolver targets, PrinterDescriber describe, ILogger logger)
{
    // CUPS-Get-Printers (CUPS IPP §4.2.2): every queue, by name, after first-printer-name, up to limit, of printer-type.
    public async Task GetPrintersAsync(IppMessage request, IppRequestContext context, IppResponse response, CancellationToken ct)
    {
        var requested = RequestedAttributes.From(request, AttributeGroups.All);
        int limit = IppOperationAttributes.Integer(request, "limit") is > 0 and var value ? value : int.MaxValue;
        string? first = IppOperationAttributes.Name(request, "first-printer-name");
        int type = IppOperationAttributes.IntegerOrEnum(request, "printer-type") ?? 0;
        int mask = IppOperationAttributes.IntegerOrEnum(request, "printer-type-mask") ?? 0;
        var current = topology.Current;
        foreach (var name in current.QueueNames)
        {
            if (response.Groups.Count >= limit) break;
            if (first is not null && string.Compare(name, first, StringComparison.OrdinalIgnoreCase) < 0) continue;
            if ((CupsPrinterType.Of(IsDefault(current, name)) & mask) != (type & mask)) continue;
            if (current.FindQueue(name) is { } queue)
                response.Groups.Add(await describe(queue, requested, context, ct).ConfigureAwait(false));
        }
    }

    // CUPS-Get-Default (CUPS IPP §4.2.1): the default queue's attributes; lp without -d and lpstat -d ask it.
    public async Task GetDefaultAsync(IppMessage request, IppRequestContext context, IppResponse response, CancellationToken ct) =>
        response.Groups.Add(await describe(topology.Current.DefaultQueueDefinition, RequestedAttributes.From(request, AttributeGroups.All), context, ct)
            .ConfigureAwait(false));

    // CUPS-Get-Classes (CUPS IPP §4.2.3): ActorSpool has no classes (a queue's pool of printers plays that part).
    public static Task GetClasses() => Task.CompletedTask;

    // CUPS-Add-Modify-Printer (CUPS IPP §4.3.1), as lpadmin -p NAME [-v URI] [-E] sends it.
    public async Task AddModifyPrinterAsync(IppMessage request, IppRequestContext context, Requester by, IppResponse response, CancellationToken ct)
    {
        RequireAdmin(context, "add or change printers");
        var name = targets.NamedPrinter(request, context);
        var change = CupsPrinterChange.Read(request, response.Unsupported);
        var edits = CupsPrinterChange.EditsFor(topology.Current, name, change.DeviceUri);
        if (edits.Count > 0)
            await ChangeAsync(edits, by, IppStatusCode.ClientErrorBadRequest, ct).ConfigureAwait(false);

        if (topology.Current.FindQueue(name) is not { } queue)
        {
            if (request.FindGroup(IppTag.PrinterAttributes) is not { Attributes.Count: > 0 })
                throw IppRequestException.NotFound($"There is no queue {name}; give its device-uri (lpadmin -v URI) to create it.");
            // lpadmin -p NAME -v URI -E sends -E first: a new queue accepts and prints from the start, so enabling it is
            // done once the device-uri request creates it.
            response.StatusMessage = $"There is no queue {name} yet; it accepts and prints jobs once a device-uri creates it.";
            return;
        }

        // printer-state idle/processing enables (resumes) the queue, stopped pauses it (cupsenable/cupsdisable).
        if (change.State is { } state)
        {
            var answer = state == PrinterState.Stopped
                ? await gateway.PauseQueueAsync(queue.Name, by, ct).ConfigureAwait(false)
                : await gateway.ResumeQueueAsync(queue.Name, by, ct).ConfigureAwait(false);
            if (answer is Replies.CommandResult { Outcome: not CommandOutcome.Ok } refused)
                throw new IppRequestException(IppStatusCode.ClientErrorNotPossible,
                    refused.Message ?? $"Queue {queue.Name} could not be {(state == PrinterState.Stopped ? "paused" : "resumed")}.");
        }
    }

    // CUPS-Delete-Printer (CUPS IPP §4.3.2), lpadmin -x NAME: the queue, and its printer of the same name unless another queue uses it.
    public async Task DeletePrinterAsync(IppMessage request, IppRequestContext context, Requester by, CancellationToken ct)
    {
        RequireAdmin(context, "delete printers");
        var queue = targets.ResolvePrinter(request, context);
        await ChangeAsync(CupsPrinterChange.EditsToDelete(topology.Current, queue), by, IppStatusCode.ClientErrorNotPossible, ct).ConfigureAwait(false);
    }

    // CUPS-Set-Default (CUPS IPP §4.3.3), lpadmin -d NAME.
    public async Task SetDefaultAsync(IppMessage request, IppRequestContext context, Requester by, CancellationToken ct)
    {
        RequireAdmin(context, "set the default printer");
        var queue = targets.ResolvePrinter(request, context);
        await ChangeAsync([new TopologyEdit.SetDefaultQueue(queue.Name)], by, IppStatusCode.ClientErrorBadRequest, ct).ConfigureAwait(false);
    }

    private async Task ChangeAsync(IReadOnlyList<TopologyEdit> edits, Requester by, IppStatusCode whenInvalid, CancellationToken ct)
    {
        if (admin is null)
            throw new IppRequestException(IppStatusCode.ServerErrorServiceUnavailable,
                "This node cannot change the printers and queues (no live topology); nothing changed.");
        var result = await admin.ChangeAsync(edits, by.Name, ct).ConfigureAwait(false);
        string what = string.Join(", ", edits.Select(e => e.Describe()));
        string problems = string.Join("; ", result.Problems);
        logger.LogInformation("IPP: {Change} by {User}: {Outcome} {Problems}", what, by.Name, result.Outcome, problems);
        if (result.Succeeded) return;
        throw result.Outcome switch
        {
            TopologyChangeOutcome.Invalid => new IppRequestException(whenInvalid, $"Refused: {problems}. Nothing changed."),
            TopologyChangeOutcome.Conflict => new IppRequestException(IppStatusCode.ClientErrorNotPossible, $"Not possible: {problems}. Nothing changed."),
            // No "nothing changed" here: a keeper that did not answer in time may still have made the change.
            _ => new IppRequestException(IppStatusCode.ServerErrorServiceUnavailable, $"The printers and queues could not be changed now: {problems}."),
        };
    }

    /// <summary>The same rule as Pause-Printer: without credentials the 401 challenge (lpadmin asks for a password), else admins only.</summary>
    private static void RequireAdmin(IppRequestContext context, string what)
    {
        if (context.Admin) return;
        throw context.AuthenticatedUser is { } user
            ? new IppRequestException(IppStatusCode.ClientErrorNotAuthorized, $"Only an admin may {what}; {user} is not one.")
            : new IppRequestException(IppStatusCode.ClientErrorNotAuthenticated, $"Only an authenticated admin may {what}: log in.");
    }

    private static bool IsDefault(SpoolTopology topology, string queue) =>
        string.Equals(topology.DefaultQueue, queue, StringComparison.OrdinalIgnoreCase);
}

/// <summary>What a CUPS-Add-Modify-Printer asks for, of what ActorSpool keeps.</summary>
/// <param name="DeviceUri">device-uri (lpadmin -v).</param>
/// <param name="State">printer-state (lpadmin -E sends idle).</param>
internal sealed record CupsPrinterChange(Uri? DeviceUri, int? State)
{
    /// <summary>
    /// Reads the printer attributes of the request. ActorSpool keeps a device uri per printer and a paused flag per
    /// queue, nothing else: every other attribute (printer-info, printer-location, ppd-name, -u allow/deny, ...) is
    /// reported in <paramref name="unsupported"/> and ignored, as IPP asks.
    /// </summary>
    public static CupsPrinterChange Read(IppMessage request, List<IppAttribute> unsupported)
    {
        Uri? device = null;
        int? state = null;
        foreach (var attribute in request.FindGroup(IppTag.PrinterAttributes)?.Attributes ?? [])
        {
            switch (attribute.Name)
            {
                case "device-uri":
                    device = attribute is { Tag: IppTag.Uri, Values.Count: 1 } && Uri.TryCreate(attribute.Value.AsString(), UriKind.Absolute, out var uri)
                        ? uri
                        : throw IppRequestException.NotSupported("device-uri must be one absolute URI, e.g. socket://printer.example:9100.", attribute);
                    break;
                case "printer-state":
                    state = attribute is { Tag: IppTag.Enum, Values.Count: 1 } && attribute.Value.AsInt() is >= PrinterState.Idle and <= PrinterState.Stopped
                        ? attribute.Value.AsInt()
                        : throw IppRequestException.NotSupported("printer-state must be idle (3), processing (4) or stopped (5).", attribute);
                    break;
                // Queues always accept jobs (they spool while paused) and every queue is served to every client: true
                // is what is, false cannot be had.
                case "printer-is-accepting-jobs" or "printer-is-shared" when attribute is { Tag: IppTag.Boolean, Values.Count: 1 } && attribute.Value.AsBool():
                    break;
                default:
                    unsupported.Add(attribute.Tag == IppTag.Boolean ? attribute : IppAttribute.Unsupported(attribute.Name));
                    break;
            }
        }
        return new CupsPrinterChange(device, state);
    }

    /// <summary>
    /// The edits that give queue <paramref name="name"/> the device <paramref name="deviceUri"/>: a new queue NAME over a
    /// printer NAME (the printer is created, or given that uri when it exists); for an existing queue, its printer NAME
    /// gets the uri. A queue without a printer of its own name (a pool) is not changed behind the operator's back: the
    /// same uri as its first printer's is no change, any other is refused (spoolctl changes pools).
    /// </summary>
    public static IReadOnlyList<TopologyEdit> EditsFor(SpoolTopology current, string name, Uri? deviceUri)
    {
        if (deviceUri is null) return [];
        var queue = current.FindQueue(name);
        if (queue is null)
        {
            var printer = current.FindPrinter(name) is { } existing ? existing with { Uri = deviceUri } : new PrinterDefinition(name, deviceUri, null);
            return [new TopologyEdit.PutPrinter(printer, PutMode.Upsert), new TopologyEdit.PutQueue(NewQueue(printer.Name), PutMode.Add)];
        }

        if (queue.Printers.FirstOrDefault(p => string.Equals(p, queue.Name, StringComparison.OrdinalIgnoreCase)) is { } own
            && current.FindPrinter(own) is { } ownPrinter)
            return SameUri(ownPrinter.Uri, deviceUri) ? [] : [new TopologyEdit.PutPrinter(ownPrinter with { Uri = deviceUri }, PutMode.Set)];

        if (queue.Printers.Count > 0 && current.FindPrinter(queue.Printers[0]) is { } first && SameUri(first.Uri, deviceUri))
            return [];
        throw new IppRequestException(IppStatusCode.ClientErrorNotPossible,
            $"Queue {queue.Name} prints on {string.Join(", ", queue.Printers)}, none named {queue.Name}: change its printers with spoolctl; nothing changed.",
            IppAttribute.Uri("device-uri", deviceUri.OriginalString));
    }

    /// <summary>Removes the queue, and its printer of the same name when no other queue uses that printer.</summary>
    public static IReadOnlyList<TopologyEdit> EditsToDelete(SpoolTopology current, QueueDefinition queue)
    {
        var edits = new List<TopologyEdit> { new TopologyEdit.RemoveQueue(queue.Name) };
        if (current.FindPrinter(queue.Name) is { } printer
            && current.QueuesUsing(printer.Name).All(q => string.Equals(q.Name, queue.Name, StringComparison.OrdinalIgnoreCase)))
            edits.Add(new TopologyEdit.RemovePrinter(printer.Name));
        return edits;
    }

    /// <summary>A queue as printers.conf would make it with only <c>printers = [NAME]</c>.</summary>
    private static QueueDefinition NewQueue(string name) => new(
        name, [name], TopologyDefaults.Mode, TopologyDefaults.Sequential, TopologyDefaults.DefaultPriority,
        TopologyDefaults.MaxAttempts, TopologyDefaults.MaxDocumentBytes, RawPort: null);

    private static bool SameUri(Uri a, Uri b) => string.Equals(a.OriginalString, b.OriginalString, StringComparison.Ordinal);
}

/// <summary>CUPS's printer-type bits (cups/cups.h cups_ptype_e) for a queue: what lpstat and lpadmin read.</summary>
internal static class CupsPrinterType
{
    // A local printer (not a class, not remote) that prints colour, duplex, copies and collated copies (what the
    // queue's job template attributes offer), on media up to A3 (small and medium); the default one carries the flag.
    private const int Color = 0x8, Duplex = 0x10, Copies = 0x40, Collate = 0x80, Small = 0x1000, Medium = 0x2000, Default = 0x20000;

    public static int Of(bool isDefault) => Color | Duplex | Copies | Collate | Small | Medium | (isDefault ? Default : 0);
}
