using ActorSpool.Domain.Jobs;
using Akka.Actor;

namespace ActorSpool.Domain.Messages;

/// <summary>
/// A JobQueue entity's protocol: the commands and queries it takes, the events its journal holds, the replies it gives.
/// </summary>
public static class JobQueueProtocol
{
    public interface IJobQueueCommand : IQueueMessage;

    public interface IJobQueueQuery : IQueueMessage;

    /// <summary>An event of the queue's journal (<see cref="Events"/>).</summary>
    public interface IJobQueueEvent : ISpoolMessage
    {
        DateTimeOffset At { get; }
    }

    public static class Commands
    {
        /// <summary>Accept a job whose documents are already in the document store. Priority null = queue default.</summary>
        public sealed record SubmitJob(string Queue, long JobId, string Owner, string Name, int? Priority, bool Hold, JobDocument[] Documents)
            : IJobQueueCommand
        {
            /// <summary>job-hold-until / job-hold-until-time; when set it decides the hold instead of <see cref="Hold"/>.</summary>
            public JobHold? HoldUntil { get; init; }

            /// <summary>Copies of the job, 1..<see cref="Copies.Max"/>; one unless asked (an init property).</summary>
            public Copies Copies { get; init; } = Copies.One;
        }

        /// <summary>
        /// Create-Job: record a job without documents, incoming until <see cref="AddDocument"/> with Last or
        /// <see cref="CloseJob"/>. Answered like <see cref="SubmitJob"/> (idempotent by job id).
        /// </summary>
        public sealed record CreateJob(string Queue, long JobId, string Owner, string Name, int? Priority, JobHold? HoldUntil)
            : IJobQueueCommand
        {
            /// <summary>Copies of the job (the job template of Create-Job; Send-Document cannot change them).</summary>
            public Copies Copies { get; init; } = Copies.One;
        }

        /// <summary>
        /// Send-Document, before the document is stored: answers <see cref="Replies.DocumentReserved"/> with a number no
        /// other Send-Document gets, or a <see cref="Replies.CommandResult"/> saying why the job takes no document.
        /// </summary>
        public sealed record ReserveDocument(string Queue, long JobId, Requester By) : IJobQueueCommand;

        /// <summary>Send-Document, after the document is stored: record it, and close the job when <paramref name="Last"/>.</summary>
        public sealed record AddDocument(string Queue, long JobId, JobDocument Document, bool Last, Requester By) : IJobQueueCommand;

        /// <summary>Close-Job: the incoming job has all its documents. Closing a closed, unfinished job is a no-op.</summary>
        public sealed record CloseJob(string Queue, long JobId, Requester By) : IJobQueueCommand;

        /// <summary>Restart-Job: print a finished job (completed, canceled, aborted) again, held when <paramref name="HoldUntil"/> says so.</summary>
        public sealed record RestartJob(string Queue, long JobId, JobHold? HoldUntil, Requester By) : IJobQueueCommand;

        /// <summary>Cancel-Job; <see cref="Reason"/> is recorded after the requester's name (e.g. "moved to …").</summary>
        public sealed record CancelJob(string Queue, long JobId, Requester By) : IJobQueueCommand
        {
            public string? Reason { get; init; }
        }

        /// <summary>
        /// Purge-Jobs (RFC 8011 §4.3.9): cancels every unfinished job of the queue, an admin's operation. Answered with a
        /// <see cref="Replies.CommandResult"/>; finished jobs stay in the history.
        /// </summary>
        public sealed record PurgeJobs(string Queue, Requester By) : IJobQueueCommand;

        /// <summary>
        /// An admin removes the finished jobs (completed, canceled, aborted) that finished before
        /// <paramref name="FinishedBefore"/> from the queue, as one <see cref="Events.JobsPurged"/>; their documents are
        /// deleted once it is durable. Answered with a <see cref="Replies.CommandResult"/> saying how many.
        /// </summary>
        public sealed record PurgeFinishedJobs(string Queue, DateTimeOffset FinishedBefore, Requester By) : IJobQueueCommand;

        /// <summary>Hold-Job: held until released, or as <see cref="HoldUntil"/> says (RFC 8011 §4.3.5 job-hold-until).</summary>
        public sealed record HoldJob(string Queue, long JobId, Requester By) : IJobQueueCommand
        {
            public JobHold? HoldUntil { get; init; }
        }

        public sealed record ReleaseJob(string Queue, long JobId, Requester By) : IJobQueueCommand;

        /// <summary>A worker's report of one delivery attempt; answered with <see cref="Replies.OutcomeRecorded"/> once persisted.</summary>
        public sealed record ReportOutcome(string Queue, long JobId, int Attempt, string Printer, DeliveryOutcome Outcome, string? Error)
            : IJobQueueCommand;

        /// <summary>
        /// Stops dispatching: the queue still accepts jobs but hands none out until resumed (persisted). An admin's
        /// operation: answered with <see cref="Replies.QueueStatus"/>, or a refusing <see cref="Replies.CommandResult"/>.
        /// </summary>
        public sealed record PauseQueue(string Queue, Requester By) : IJobQueueCommand;

        /// <summary>Dispatches again after <see cref="PauseQueue"/>. Answered like <see cref="PauseQueue"/>.</summary>
        public sealed record ResumeQueue(string Queue, Requester By) : IJobQueueCommand;

        /// <summary>Starts the queue entity (and so its recovery and dispatch) without doing anything else.</summary>
        public sealed record WakeUp(string Queue) : IJobQueueCommand;
    }

    /// <summary>
    /// The queue's journal: every state change of its jobs is one of these, persisted before it is applied (see
    /// <see cref="Jobs.QueueRules"/>). Stored for good, under the manifests pinned in SpoolManifests: a change of shape
    /// needs a replay test, and old journals must keep reading.
    /// </summary>
    public static class Events
    {
        public sealed record JobAccepted(JobRecord Job, bool Held, DateTimeOffset At) : IJobQueueEvent;

        /// <summary>The job was handed to a worker for delivery to <paramref name="Printer"/>.</summary>
        public sealed record JobDispatched(long JobId, int Attempt, string Printer, string Worker, DateTimeOffset At) : IJobQueueEvent;

        public sealed record JobCompleted(long JobId, int Attempt, string Printer, DateTimeOffset At) : IJobQueueEvent;

        /// <summary>A delivery attempt failed; the job goes back to pending (a retry) unless an abort follows.</summary>
        public sealed record JobAttemptFailed(long JobId, int Attempt, string Printer, string Reason, DateTimeOffset At) : IJobQueueEvent;

        /// <summary>
        /// The delivery was cut off without an outcome (worker lost, queue restarted): back to pending, and it does
        /// not count as an attempt because the device may never have seen the job.
        /// </summary>
        public sealed record JobInterrupted(long JobId, string Reason, DateTimeOffset At) : IJobQueueEvent;

        public sealed record JobAborted(long JobId, string Reason, DateTimeOffset At) : IJobQueueEvent;

        public sealed record JobCanceled(long JobId, string By, DateTimeOffset At) : IJobQueueEvent;

        /// <summary>
        /// The job is held: until Release-Job, or until <see cref="ReleaseAt"/> when set. An incoming job keeps receiving
        /// documents and is held once closed. (Events written before named holds existed read as indefinite.)
        /// </summary>
        public sealed record JobHeld(long JobId, DateTimeOffset At) : IJobQueueEvent
        {
            /// <summary>The job-hold-until keyword; null with <see cref="ReleaseAt"/> for job-hold-until-time, else indefinite.</summary>
            public string? HoldUntil { get; init; }

            public DateTimeOffset? ReleaseAt { get; init; }
        }

        /// <summary>Release-Job, or the held job's release time came. An incoming job only drops its hold request.</summary>
        public sealed record JobReleased(long JobId, DateTimeOffset At) : IJobQueueEvent;

        /// <summary>
        /// Create-Job: the job exists without documents and is incoming (pending-held, job-incoming) until
        /// <see cref="JobClosed"/>; its record carries the hold it asked for (HoldUntil, or ReleaseAt for a time).
        /// </summary>
        public sealed record JobCreated(JobRecord Job, DateTimeOffset At) : IJobQueueEvent;

        /// <summary>Send-Document: one more document of an incoming job, durably stored before this event is written.</summary>
        public sealed record DocumentAdded(long JobId, JobDocument Document, DateTimeOffset At) : IJobQueueEvent;

        /// <summary>
        /// The incoming job has all its documents (last-document, Close-Job or the multiple-operation-time-out): it becomes
        /// pending, or pending-held when the hold it asked for starts now (<see cref="HoldUntil"/>, <see cref="ReleaseAt"/>:
        /// a named period is reckoned from the close, not from Create-Job).
        /// </summary>
        public sealed record JobClosed(long JobId, string Reason, DateTimeOffset At) : IJobQueueEvent
        {
            public string? HoldUntil { get; init; }

            public DateTimeOffset? ReleaseAt { get; init; }
        }

        /// <summary>
        /// Restart-Job: a finished job goes back in line with its documents, behind the jobs waiting now
        /// (<paramref name="Sequence"/>); its attempts count from zero again, its dispatch numbers keep counting.
        /// </summary>
        public sealed record JobRestarted(long JobId, long Sequence, DateTimeOffset At) : IJobQueueEvent
        {
            /// <summary>job-hold-until of the Restart-Job request: the job restarts held (as in <see cref="JobHeld"/>).</summary>
            public string? HoldUntil { get; init; }

            public DateTimeOffset? ReleaseAt { get; init; }
        }

        /// <summary>The queue stopped dispatching (it still accepts jobs) until <see cref="QueueResumed"/>.</summary>
        public sealed record QueuePaused(string By, DateTimeOffset At) : IJobQueueEvent;

        public sealed record QueueResumed(DateTimeOffset At) : IJobQueueEvent;

        /// <summary>Retention removed these terminal jobs from the queue's memory and journal state.</summary>
        public sealed record JobsPurged(long[] JobIds, DateTimeOffset At) : IJobQueueEvent;
    }

    public static class Queries
    {
        public sealed record GetJob(string Queue, long JobId) : IJobQueueQuery;

        public sealed record GetJobs(string Queue, JobFilter Which, string? Owner, int Limit) : IJobQueueQuery;

        public sealed record GetQueueStatus(string Queue) : IJobQueueQuery;

        /// <summary>Which of <paramref name="JobIds"/> the queue holds (the orphan sweep asks): answered with <see cref="Replies.KnownJobs"/>.</summary>
        public sealed record FindKnownJobs(string Queue, long[] JobIds) : IJobQueueQuery;

        /// <summary>
        /// A printer holds a job back for <paramref name="JobId"/>, which the queue sent it before: is that one still on its
        /// way to <paramref name="Printer"/>? Answered at once with <see cref="Replies.JobOnItsWay"/>.
        /// </summary>
        public sealed record IsJobOnItsWay(string Queue, long JobId, string Printer) : IJobQueueQuery;
    }

    public static class Replies
    {
        public sealed record JobAccepted(JobRecord Job) : ISpoolMessage;

        public sealed record JobRejected(long JobId, string Reason) : ISpoolMessage
        {
            /// <summary>Why, for the ingress's status code: a limit the client may wait out, or a job it must change.</summary>
            public Rejection Kind { get; init; } = Rejection.Invalid;
        }

        public sealed record JobInfo(JobRecord? Job) : ISpoolMessage;

        /// <summary>The document number a Send-Document stores its document under.</summary>
        public sealed record DocumentReserved(long JobId, int Number) : ISpoolMessage;

        public sealed record JobList(JobRecord[] Jobs) : ISpoolMessage;

        /// <summary>The job ids of a <see cref="Queries.FindKnownJobs"/> the queue holds, in any state.</summary>
        public sealed record KnownJobs(long[] JobIds) : ISpoolMessage;

        /// <summary>False: the job is not coming to that printer (its worker died, it failed or went back in line), so nothing waits for it.</summary>
        public sealed record JobOnItsWay(string Queue, long JobId, bool Coming) : ISpoolMessage;

        /// <summary>The answer to cancel/hold/release: Ok, or why not (<see cref="CommandOutcome"/>) with a reason.</summary>
        public sealed record CommandResult(CommandOutcome Outcome, string? Message, JobRecord? Job) : ISpoolMessage
        {
            /// <summary>How many jobs a command on many jobs changed (<see cref="Commands.PurgeFinishedJobs"/>).</summary>
            public int Count { get; init; }
        }

        public sealed record OutcomeRecorded(long JobId, int Attempt) : ISpoolMessage;

        /// <summary>
        /// The journal failed or refused the write an answer waited for: nothing of the command may be taken as done
        /// (it may or may not be stored). The queue restarts from its journal; the client should try again later.
        /// </summary>
        public sealed record StorageUnavailable(string Reason) : ISpoolMessage
        {
            /// <summary>The journal's disk is full (SQLite): the client hears "temporary error", as for the spool disk's floor.</summary>
            public bool DiskFull { get; init; }
        }

        public sealed record QueueStatus(
            string Queue,
            int Pending,
            int Held,
            int Processing,
            int Completed,
            int Canceled,
            int Aborted,
            string[] AcceptingPrinters,
            bool Sequential) : ISpoolMessage
        {
            /// <summary>The queue accepts jobs but dispatches none (spoolctl queue pause).</summary>
            public bool Paused { get; init; }
        }
    }

    /// <summary>Why a queue refused a new job.</summary>
    public enum Rejection
    {
        /// <summary>The job as asked cannot be taken (a priority out of range, no document, ...).</summary>
        Invalid,

        /// <summary>The queue holds its maximum of unfinished jobs, or the owner holds theirs: try again later.</summary>
        TooManyJobs,

        /// <summary>The job has more documents than the queue takes in one job.</summary>
        TooManyDocuments,
    }

    /// <summary>Which jobs a listing returns (IPP which-jobs).</summary>
    public enum JobFilter
    {
        NotCompleted,
        Completed,
        All,
    }

    public enum CommandOutcome
    {
        Ok,
        NotFound,
        NotPossible,

        /// <summary>The requester is neither the job's owner nor an admin, or an authenticated user who is not an admin.</summary>
        NotAuthorized,

        /// <summary>An admin's operation asked by a client that did not authenticate: it should, and ask again.</summary>
        NotAuthenticated,

        /// <summary>The job already has the most documents the queue takes in one job.</summary>
        TooManyDocuments,
    }
}
