using ActorSpool.Domain.Jobs;
using ActorSpool.Protocols.Ipp;

namespace ActorSpool.Node.Ingress.Ipp;

/// <summary>
/// Describes a job as an IPP job object (RFC 8011 §5.2–5.3). Times are seconds since this node started
/// (printer-up-time), as RFC 8011 defines them; a job created before the node started reports 0.
/// </summary>
internal sealed class JobAttributes(IppUris uris, DateTimeOffset startedAt, DateTimeOffset now)
{
    private readonly IppUris _uris = uris;

    /// <summary>What Print-Job answers (RFC 8011 §4.2.1.2).</summary>
    public static readonly RequestedAttributes Summary =
        RequestedAttributes.Of("job-id", "job-uri", "job-state", "job-state-reasons", "job-state-message");

    private const string Description = AttributeGroups.JobDescription;
    private const string Template = AttributeGroups.JobTemplate;

    private static readonly Definition[] Definitions =
    [
        new("job-id", Description, (_, j) => IppAttribute.Integer("job-id", IppJobId(j.JobId))),
        new("job-uri", Description, (a, j) => IppAttribute.Uri("job-uri", a._uris.Job(j.JobId))),
        new("job-printer-uri", Description, (a, j) => IppAttribute.Uri("job-printer-uri", a._uris.Printer(j.Queue))),
        new("job-name", Description, (_, j) => IppAttribute.NameWithoutLanguage("job-name", j.Name)),
        new("job-originating-user-name", Description,
            (_, j) => IppAttribute.NameWithoutLanguage("job-originating-user-name", j.Owner)),
        new("job-state", Description, (_, j) => IppAttribute.Enum("job-state", (int)j.State)),
        new("job-state-reasons", Description, (_, j) => IppAttribute.Keyword("job-state-reasons", [.. j.StateReasons])),
        new("job-state-message", Description, (_, j) => IppAttribute.Text("job-state-message", StateMessage(j))),
        new("output-device-assigned", Description,
            (_, j) => j.Printer is null ? null : IppAttribute.NameWithoutLanguage("output-device-assigned", j.Printer)),
        new("number-of-documents", Description, (_, j) => IppAttribute.Integer("number-of-documents", j.Documents.Length)),
        new("job-k-octets", Description,
            (_, j) => IppAttribute.Integer("job-k-octets", (int)Math.Min(int.MaxValue, (j.TotalBytes + 1023) / 1024))),
        // The spooler does not count pages: a completed job reports the least it printed, one impression (and sheet)
        // per document and copy.
        new("job-impressions-completed", Description,
            (_, j) => IppAttribute.Integer("job-impressions-completed", PrintedAtLeast(j))),
        new("job-media-sheets-completed", Description,
            (_, j) => IppAttribute.Integer("job-media-sheets-completed", PrintedAtLeast(j))),
        new("job-printer-up-time", Description, (a, _) => IppAttribute.Integer("job-printer-up-time", a.UpTime)),
        new("time-at-creation", Description, (a, j) => a.TimeAt("time-at-creation", j.SubmittedAt)),
        new("time-at-processing", Description, (a, j) => a.TimeAt("time-at-processing", j.ProcessingAt)),
        new("time-at-completed", Description, (a, j) => a.TimeAt("time-at-completed", j.CompletedAt)),
        new("date-time-at-creation", Description, (_, j) => DateAt("date-time-at-creation", j.SubmittedAt)),
        new("date-time-at-processing", Description, (_, j) => DateAt("date-time-at-processing", j.ProcessingAt)),
        new("date-time-at-completed", Description, (_, j) => DateAt("date-time-at-completed", j.CompletedAt)),
        new("job-priority", Template, (_, j) => IppAttribute.Integer("job-priority", j.Priority)),
        new("copies", Template, (_, j) => IppAttribute.Integer("copies", j.Copies.Count)),
        new("multiple-document-handling", Template, (_, j) => IppAttribute.Keyword("multiple-document-handling",
            j.Copies.Uncollated ? IppCapabilities.UncollatedCopies : IppCapabilities.CollatedCopies)),
        // A job held until a time has job-hold-until-time instead; a job held before named holds existed is indefinite.
        new("job-hold-until", Template, (_, j) => j is { HoldUntil: null, ReleaseAt: not null } ? null
            : IppAttribute.Keyword("job-hold-until",
                j.HoldUntil ?? (j is { State: JobState.PendingHeld, Incoming: false } ? HoldUntil.Indefinite : HoldUntil.NoHold))),
        new("job-hold-until-time", Template, (_, j) => j is { HoldUntil: null, ReleaseAt: { } at }
            ? IppAttribute.DateTime("job-hold-until-time", at.ToUniversalTime())
            : null),
    ];

    /// <summary>printer-up-time: whole seconds since the node started, at least 1 (RFC 8011 §5.4.29).</summary>
    public int UpTime => UpTimeOf(startedAt, now);

    public static int UpTimeOf(DateTimeOffset startedAt, DateTimeOffset now) =>
        Math.Max(1, (int)Math.Clamp((now - startedAt).TotalSeconds, 0, int.MaxValue));

    public IppAttributeGroup Describe(JobRecord job, RequestedAttributes requested)
    {
        var group = new IppAttributeGroup(IppTag.JobAttributes);
        foreach (var definition in Definitions)
        {
            if (requested.Includes(definition.Name, definition.Group) && definition.Make(this, job) is { } attribute)
                group.Add(attribute);
        }
        return group;
    }

    /// <summary>A one-line human description of where the job stands (job-state-message).</summary>
    public static string StateMessage(JobRecord job)
    {
        var message = job.State switch
        {
            JobState.Pending when job.Attempts > 0 =>
                $"Queued for another attempt after {job.Attempts} failed delivery attempt(s){Detail(job.LastError)}.",
            JobState.Pending => "Queued.",
            JobState.PendingHeld when job.Incoming =>
                $"Receiving documents ({job.Documents.Length} so far); prints once the last one has arrived.",
            JobState.PendingHeld => job switch
            {
                { ReleaseAt: { } at, HoldUntil: { } keyword } => $"Held until {keyword} ({at.ToUniversalTime():u}).",
                { ReleaseAt: { } at } => $"Held until {at.ToUniversalTime():u}.",
                _ => "Held until released.",
            },
            JobState.Processing => job.Printer is null ? "Printing." : $"Printing on {job.Printer}.",
            JobState.ProcessingStopped => "Stopped: the printer is not accepting work.",
            JobState.Completed => job.Printer is null ? "Completed." : $"Completed on {job.Printer}.",
            JobState.Canceled => job.CanceledBy is null ? "Canceled." : $"Canceled by {job.CanceledBy}.",
            JobState.Aborted => $"Aborted{Detail(job.LastError)}.",
            _ => job.State.ToString(),
        };
        // text(MAX) is 1023 octets; keep well below it even for long device errors.
        return message.Length <= 255 ? message : message[..254] + "…";
    }

    private static int PrintedAtLeast(JobRecord job) =>
        job.State == JobState.Completed ? (int)Math.Min(int.MaxValue, Math.Max(1L, job.Documents.Length) * job.Copies.Count) : 0;

    private static string Detail(string? error) => string.IsNullOrWhiteSpace(error) ? string.Empty : ": " + error.TrimEnd('.');

    // IPP job-id is integer(1:MAX); ids are allocated from 1 upwards, so this only fails after 2^31 jobs.
    private static int IppJobId(long jobId) => jobId <= int.MaxValue
        ? (int)jobId
        : throw new InvalidOperationException($"Job id {jobId} does not fit IPP's job-id range.");

    private int SecondsSinceStart(DateTimeOffset at) => (int)Math.Clamp((at - startedAt).TotalSeconds, 0, int.MaxValue);

    private IppAttribute TimeAt(string name, DateTimeOffset? at) =>
        at is { } value ? IppAttribute.Integer(name, SecondsSinceStart(value)) : IppAttribute.NoValue(name);

    private static IppAttribute DateAt(string name, DateTimeOffset? at) =>
        at is { } value ? IppAttribute.DateTime(name, value.ToUniversalTime()) : IppAttribute.NoValue(name);

    private sealed record Definition(string Name, string Group, Func<JobAttributes, JobRecord, IppAttribute?> Make);
}
