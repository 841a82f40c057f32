using Prometheus;

namespace ActorSpool.Actors;

/// <summary>
/// The spooler's Prometheus metrics. Each node exports what it hosts (the queues, printers and workers living
/// on it); sum over nodes for cluster totals.
/// </summary>
public static class SpoolMetrics
{
    public static readonly Counter JobsAccepted = Metrics.CreateCounter(
        "actorspool_jobs_accepted_total", "Jobs accepted (durably stored and acknowledged).", "queue");

    public static readonly Counter JobsFinished = Metrics.CreateCounter(
        "actorspool_jobs_finished_total", "Jobs that reached a terminal state.", "queue", "state");

    public static readonly Counter JobsAborted = Metrics.CreateCounter(
        "actorspool_jobs_aborted_total", "Alert: jobs aborted after their last delivery attempt failed.", "queue");

    public static readonly Counter JournalFailures = Metrics.CreateCounter(
        "actorspool_journal_failures_total", "Journal writes of a queue that failed (database down or timed out) or were rejected; the queue restarts from its journal.",
        "queue", "kind");

    public static readonly Gauge PrinterPathInUse = Metrics.CreateGauge(
        "actorspool_printer_path_in_use", "1 for the device URI a printer delivers over now (its uri or one of its fallback-uris), 0 for its other paths.",
        "printer", "uri");

    public static readonly Counter Failovers = Metrics.CreateCounter(
        "actorspool_failovers_total", "Retries placed on a different printer than the one that failed.", "queue");

    public static readonly Gauge QueueJobs = Metrics.CreateGauge(
        "actorspool_queue_jobs", "Jobs a queue holds, by state.", "queue", "state");

    public static readonly Gauge QueueOldestPendingSeconds = Metrics.CreateGauge(
        "actorspool_queue_oldest_pending_seconds", "Age of the queue's oldest pending (waiting, not held) job since its submission; 0 when none waits.", "queue");

    public static readonly Counter DeliveryAttempts = Metrics.CreateCounter(
        "actorspool_delivery_attempts_total", "Delivery attempts by outcome.", "printer", "outcome");

    public static readonly Histogram DeliverySeconds = Metrics.CreateHistogram(
        "actorspool_delivery_seconds", "Time to deliver a job to its device.",
        new HistogramConfiguration { LabelNames = ["printer"], Buckets = Histogram.ExponentialBuckets(0.01, 2, 16) });

    public static readonly Gauge PrinterAccepting = Metrics.CreateGauge(
        "actorspool_printer_accepting", "1 when the printer takes work (reachable, not paused, breaker closed).", "printer");

    public static readonly Gauge PrinterBreakerOpen = Metrics.CreateGauge(
        "actorspool_printer_breaker_open", "1 while the printer's circuit breaker is open.", "printer");

    public static readonly Gauge PrinterFallbackInUse = Metrics.CreateGauge(
        "actorspool_printer_fallback_in_use", "1 while the printer's primary path is unusable and it delivers over its fallback path.", "printer");

    public static readonly Counter ProtocolRestarts = Metrics.CreateCounter(
        "actorspool_protocol_restarts_total", "Protocol actors restarted after a fault.", "printer");

    public static readonly Gauge RequestsWaitingForSite = Metrics.CreateGauge(
        "actorspool_requests_waiting_for_site", "Requests the balancer holds because no node of their site (or of its alternate) is in the cluster; each is the next job of one printer of a queue (the queue's other jobs wait behind it). Exported by the node hosting the balancer.",
        "site");

    public static readonly Gauge WorkersBusy = Metrics.CreateGauge(
        "actorspool_workers_busy", "Spool workers of this node busy with a job.");

    public static readonly Gauge Workers = Metrics.CreateGauge(
        "actorspool_workers", "Spool workers of this node.");

    public static readonly Histogram SubmissionSeconds = Metrics.CreateHistogram(
        "actorspool_submission_seconds", "Time from receiving a job to acknowledging it (document stored and job persisted).",
        new HistogramConfiguration { LabelNames = ["queue"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 16) });

    public static readonly Counter IntakeRefused = Metrics.CreateCounter(
        "actorspool_intake_refused_total", "Submissions refused as busy (IPP server-error-busy, LPD negative ack, raw reset) because the node was at its intake limit.");

    public static readonly Counter NodeDeliveredJobs = Metrics.CreateCounter(
        "actorspool_node_delivered_jobs_total", "Jobs this node's spool workers delivered to devices (the bytes flowed through this node).");

    public static readonly Counter NodeDeliveredBytes = Metrics.CreateCounter(
        "actorspool_node_delivered_bytes_total", "Document bytes this node's spool workers sent to devices.");
}
