using System.Text;
using ActorSpool.Actors;
using ActorSpool.Actors.Printers;
using ActorSpool.Actors.Storage;
using ActorSpool.Actors.Topology;
using ActorSpool.Domain.Jobs;
using ActorSpool.Domain.Topology;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using static ActorSpool.Domain.Messages.PrinterProtocol;

namespace ActorSpool.Node.Management.Catalogs;

/// <summary>One configured printer and what its entity answered: a view, or why there is none.</summary>
public sealed record PrinterAnswer(PrinterDefinition Definition, PrinterView? View, string? Error);

/// <summary>How a test page ended: the delivery id it went out under, and the printer entity's report (null: none in time).</summary>
public sealed record TestPageResult(string Printer, long Delivery, int Bytes, DeliveryFinished? Finished, TimeSpan Waited);

/// <summary>Printers' views and commands (pause, resume, test page), for spoolctl's <c>printer</c> palette and the REST API alike.</summary>
public sealed class PrinterCatalog(
    ActorSystem system,
    ILiveTopology liveTopology,
    SpoolSettings settings,
    IDocumentStore documents,
    IRequiredActor<PrinterRegion> printers)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    public SpoolTopology Topology => liveTopology.Current;

    private PrinterView View(PrinterDefinition definition, PrinterStatus status) =>
        PrinterView.From(definition, Topology.QueuesUsing(definition.Name).Select(q => q.Name), status);

    private async Task<PrinterStatus> AskAsync(object message, CancellationToken ct)
    {
        var region = await printers.GetAsync(ct);
        try
        {
            return await region.Ask<PrinterStatus>(message, AskTimeout, ct);
        }
        catch (AskTimeoutException)
        {
            throw new TimeoutException($"the printer entity did not answer {message.GetType().Name} within {AskTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Every configured printer in name order; a printer that does not answer in time has an error instead.</summary>
    public async Task<IReadOnlyList<PrinterAnswer>> ListAsync(CancellationToken ct) =>
        await Task.WhenAll(Topology.PrinterNames.Select(async name =>
        {
            var definition = Topology.Printers[name];
            try
            {
                return new PrinterAnswer(definition, await ShowAsync(definition, ct), null);
            }
            catch (TimeoutException e)
            {
                return new PrinterAnswer(definition, null, e.Message);
            }
        }));

    /// <summary>One printer's view; throws <see cref="TimeoutException"/> when its entity does not answer.</summary>
    public async Task<PrinterView> ShowAsync(PrinterDefinition printer, CancellationToken ct) =>
        View(printer, await AskAsync(new GetPrinterStatus(printer.Name), ct));

    /// <summary>Pauses (no job goes to the printer; journaled, so kept across a restart or a move of its entity) or resumes it.</summary>
    public async Task<PrinterView> PauseOrResumeAsync(PrinterDefinition printer, bool pause, CancellationToken ct) =>
        View(printer, await AskAsync(pause ? new PausePrinter(printer.Name) : new ResumePrinter(printer.Name), ct));

    /// <summary>
    /// Stores a one-page text document under a fresh job id and asks the printer entity to deliver it, exactly
    /// as a worker would (one delivery at a time, breaker, fallback path), then waits for the outcome; the id is
    /// dropped afterwards. <paramref name="sent"/> hears the delivery id once the page is on its way.
    /// </summary>
    public async Task<TestPageResult> TestPageAsync(PrinterDefinition definition, string requestedBy, Func<long, int, ValueTask>? sent, CancellationToken ct)
    {
        var queue = Topology.QueuesUsing(definition.Name).FirstOrDefault()?.Name ?? Topology.DefaultQueue;
        var page = Encoding.UTF8.GetBytes(
            $"ActorSpool test page\r\n\r\nPrinter:  {definition.Name}\r\nDevice:   {definition.Uri}\r\nNode:     {Cluster.Get(system).SelfAddress}\r\n" +
            $"Time:     {DateTimeOffset.Now:yyyy-MM-dd HH:mm:ss zzz}\r\n\r\nIf you can read this, the printer works.\r\n\f");
        var name = $"{requestedBy} test page";
        var jobId = await documents.AllocateJobIdAsync(queue, ct);
        try
        {
            using (var content = new MemoryStream(page))
            {
                await documents.WriteDocumentAsync(jobId, 1, content, "text/plain", name, page.Length, allowEmpty: false, ct);
            }
            var region = await printers.GetAsync(ct);
            using var inbox = ReplyInbox.Create(system);
            region.Tell(new DeliverJob(definition.Name, queue, jobId, 1, [new JobDocument(1, page.Length, "text/plain", name)]), inbox.Ref);
            if (sent is not null) await sent(jobId, page.Length);

            var limit = settings.DeliveryTimeout + TimeSpan.FromSeconds(30);
            var finished = await inbox.NextAsync<DeliveryFinished>(limit, ct);
            return new TestPageResult(definition.Name, jobId, page.Length, finished, limit);
        }
        finally
        {
            await documents.DeleteJobAsync(jobId, CancellationToken.None);
        }
    }
}
