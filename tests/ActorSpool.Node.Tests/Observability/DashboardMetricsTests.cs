using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorSpool.Protocols.Ipp;
using ActorSpool.Simulators;
using ActorSpool.TestSupport;
using YamlDotNet.RepresentationModel;

namespace ActorSpool.Node.Tests.Observability;

/// <summary>
/// A node with three printers, each serving its own queue: lj-2 works; lj-1's primary path is a closed port, so it
/// prints over its fallback path (a simulator); "dead" is only a closed port, so the job of queue "stuck" waits.
/// One job printed through each working queue makes the labelled series exist, as after a day of use.
/// </summary>
public sealed class ObservedNode : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private AppSocketPrinterSimulator _lj1Fallback = null!;
    private AppSocketPrinterSimulator _lj2 = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };
    public InProcessNode Node { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _lj1Fallback = await Printers.SimulatorAsync("lj-1");
        _lj2 = await Printers.SimulatorAsync("lj-2");
        var closed = FreePort.Next(); // nothing listens there
        var printers = Path.Combine(_data.Path, "printers.conf");
        await File.WriteAllTextAsync(printers, $$"""
            actorspool.printers {
              lj-1 { uri = "socket://127.0.0.1:{{closed}}", fallback-uri = "socket://127.0.0.1:{{_lj1Fallback.Port}}" }
              lj-2 { uri = "socket://127.0.0.1:{{_lj2.Port}}" }
              dead { uri = "socket://127.0.0.1:{{closed}}" }
            }
            actorspool.queues {
              office { printers = [lj-2] }
              fallback { printers = [lj-1] }
              stuck { printers = [dead] }
            }
            """);
        Node = await InProcessNode.StartAsync(InProcessNode.Options(_data.Path, printers));

        var client = new IppClient(Http);
        foreach (var queue in new[] { "office", "fallback", "stuck" })
        {
            var printed = await client.PrintJobAsync(Node.QueueUri(queue), new MemoryStream("hello\n"u8.ToArray()), "alice", $"to-{queue}");
            Assert.Equal(IppStatusCode.SuccessfulOk, printed.Status);
        }
        // Held jobs wait by intent: the oldest-pending gauge leaves them out.
        var held = await client.PrintJobAsync(Node.QueueUri("office"), new MemoryStream("held\n"u8.ToArray()), "alice", "held", holdUntil: "indefinite");
        Assert.Equal(IppStatusCode.SuccessfulOk, held.Status);
        await Eventually.WaitUntilAsync(() => _lj2.ReceivedJobs.Count == 1 && _lj1Fallback.ReceivedJobs.Count == 1,
            "the jobs of office and fallback printed", TimeSpan.FromSeconds(90));
    }

    public async Task<Exposition> ScrapeAsync() =>
        Exposition.Parse(await Http.GetStringAsync($"http://127.0.0.1:{Node.HttpPort}/metrics"));

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        await _lj1Fallback.DisposeAsync();
        await _lj2.DisposeAsync();
        Http.Dispose();
        _data.Dispose();
    }
}

/// <summary>
/// The shipped Grafana dashboard and Prometheus alert rules query only metrics and labels a real node exposes: a
/// renamed metric or label fails here instead of leaving an empty panel or an alert that can never fire.
/// </summary>
public sealed class DashboardMetricsTests(ObservedNode observed) : IClassFixture<ObservedNode>
{
    private static readonly string DashboardFile = Path.Combine(RepoPaths.Root, "config", "grafana", "actorspool-dashboard.json");
    private static readonly string AlertsFile = Path.Combine(RepoPaths.Root, "config", "prometheus", "alerts.yml");

    [Fact]
    public async Task Every_metric_and_label_the_dashboard_queries_is_exposed_by_a_node()
    {
        var queries = DashboardQueries();

        // What issue #15 asks the dashboard to show (and proof the expressions were read at all).
        Assert.Superset(
            new HashSet<string>
            {
                "actorspool_jobs_accepted_total", "actorspool_jobs_finished_total", "actorspool_queue_jobs",
                "actorspool_queue_oldest_pending_seconds", "actorspool_printer_accepting", "actorspool_printer_breaker_open",
                "actorspool_printer_fallback_in_use", "actorspool_delivery_seconds_bucket", "actorspool_submission_seconds_bucket",
                "actorspool_workers_busy", "actorspool_workers", "actorspool_intake_refused_total", "actorspool_storage_up",
                "actorspool_journal_failures_total",
            },
            queries.SelectMany(MetricsIn).ToHashSet());
        AssertExposed(queries, await ScrapeWithSeriesAsync());
    }

    [Fact]
    public async Task Every_metric_and_label_the_alert_rules_query_is_exposed_by_a_node()
    {
        var rules = AlertRules();

        Assert.Equal(
            new[]
            {
                "ActorSpoolJobAborted", "ActorSpoolJournalFailures", "ActorSpoolNodeDown", "ActorSpoolPrinterBreakerOpen",
                "ActorSpoolPrinterDown", "ActorSpoolPrinterFallbackInUse", "ActorSpoolQueueBacklog", "ActorSpoolQueueStuck",
                "ActorSpoolStorageDown",
            },
            rules.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(8, rules.Values.SelectMany(MetricsIn).Distinct().Count());
        AssertExposed(rules.Values.ToList(), await ScrapeWithSeriesAsync());
    }

    [Fact]
    public async Task The_fallback_gauge_shows_which_printer_delivers_over_its_fallback_path()
    {
        // Each printer's gauge appears once its entity has probed its device: wait for all three, not only lj-1.
        var metrics = await Eventually.ValueAsync(observed.ScrapeAsync,
            m => m.Value("actorspool_printer_fallback_in_use{printer=\"lj-1\"}") == 1
                && m.Value("actorspool_printer_fallback_in_use{printer=\"lj-2\"}") is not null
                && m.Value("actorspool_printer_fallback_in_use{printer=\"dead\"}") is not null,
            what: "lj-1 on its fallback path and the others' gauges published");

        Assert.Equal(0, metrics.Value("actorspool_printer_fallback_in_use{printer=\"lj-2\"}"));
        Assert.Equal(0, metrics.Value("actorspool_printer_fallback_in_use{printer=\"dead\"}"));
    }

    [Fact]
    public async Task The_oldest_pending_gauge_ages_with_a_waiting_job_and_ignores_held_and_printed_ones()
    {
        // The job of "stuck" has no printer to go to: its age grows with every queue tick (1 s).
        var first = await Eventually.ValueAsync(observed.ScrapeAsync,
            m => m.Value("actorspool_queue_oldest_pending_seconds{queue=\"stuck\"}") > 0
                && m.Value("actorspool_queue_jobs{queue=\"office\",state=\"pending-held\"}") == 1
                && m.Value("actorspool_queue_jobs{queue=\"fallback\",state=\"completed\"}") == 1,
            what: "stuck's job aging; the held job of office and the printed one of fallback counted");
        await Eventually.ValueAsync(observed.ScrapeAsync,
            m => m.Value("actorspool_queue_oldest_pending_seconds{queue=\"stuck\"}") > first.Value("actorspool_queue_oldest_pending_seconds{queue=\"stuck\"}"),
            what: "stuck's job older on a later scrape");

        // office holds a held job and a printed one, fallback a printed one: nothing waits there.
        Assert.Equal(0, first.Value("actorspool_queue_oldest_pending_seconds{queue=\"office\"}"));
        Assert.Equal(0, first.Value("actorspool_queue_oldest_pending_seconds{queue=\"fallback\"}"));
    }

    [Fact]
    public async Task The_dashboard_is_an_importable_grafana_dashboard_whose_queries_promtool_parses()
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardFile));
        var root = dashboard.RootElement;
        Assert.True(root.GetProperty("schemaVersion").GetInt32() >= 36);
        Assert.Equal("actorspool", root.GetProperty("uid").GetString());
        Assert.Contains(root.GetProperty("templating").GetProperty("list").EnumerateArray(),
            v => v.GetProperty("name").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
        var panels = root.GetProperty("panels").EnumerateArray().ToList();
        Assert.Equal(panels.Count, panels.Select(p => p.GetProperty("id").GetInt32()).Distinct().Count());
        foreach (var panel in panels.Where(p => p.GetProperty("type").GetString() != "row"))
        {
            var title = panel.GetProperty("title").GetString();
            Assert.True(panel.TryGetProperty("gridPos", out _), $"{title}: no gridPos");
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            Assert.NotEmpty(panel.GetProperty("targets").EnumerateArray());
        }

        // Grafana's variables stand in for what Prometheus would get; promtool parses each query as a recording rule.
        var rules = Path.Combine(Path.GetTempPath(), $"actorspool-dashboard-{Guid.NewGuid():N}.yml");
        var recorded = DashboardQueries().Where(q => !q.StartsWith("label_values(", StringComparison.Ordinal))
            .Select((q, i) => $"      - record: dashboard:query{i}\n        expr: {JsonSerializer.Serialize(q.Replace("$__rate_interval", "5m")
                .Replace("$queue", ".*").Replace("$printer", ".*"))}\n");
        await File.WriteAllTextAsync(rules, "groups:\n  - name: dashboard\n    rules:\n" + string.Concat(recorded));
        try
        {
            var (code, output) = await PromtoolAsync("check", "rules", rules);
            Assert.True(code == 0, output);
        }
        finally
        {
            File.Delete(rules);
        }
    }

    /// <summary>
    /// A scrape once the series the queries name have appeared: the jobs finished (delivery and submission histograms),
    /// both queues published their depth (a queue does so every tick, with its other gauges) and lj-2 its health.
    /// </summary>
    private Task<Exposition> ScrapeWithSeriesAsync() =>
        Eventually.ValueAsync(observed.ScrapeAsync,
            m => m.Value("actorspool_jobs_finished_total{queue=\"fallback\",state=\"completed\"}") == 1
                && m.Value("actorspool_queue_jobs{queue=\"fallback\",state=\"completed\"}") == 1
                && m.Value("actorspool_queue_jobs{queue=\"office\",state=\"completed\"}") == 1
                && m.Value("actorspool_printer_accepting{printer=\"lj-2\"}") == 1
                && m.Value("actorspool_storage_up") == 1,
            what: "the node's series after printing");

    private static void AssertExposed(IReadOnlyList<string> queries, Exposition exposed)
    {
        foreach (var query in queries)
        {
            var metrics = MetricsIn(query).ToList();
            foreach (var metric in metrics)
            {
                Assert.True(exposed.Labels.ContainsKey(metric), $"{metric} (in `{query}`) is not on the node's /metrics");
            }
            // Labels in selectors, by/without clauses and label_values() must be labels of the metrics queried
            // (instance and job are added by Prometheus when it scrapes).
            var known = metrics.SelectMany(m => exposed.Labels[m]).Append("instance").Append("job").ToHashSet();
            foreach (var label in LabelsIn(query))
            {
                Assert.True(known.Contains(label), $"label {label} (in `{query}`) is not a label of {string.Join(", ", metrics)} on the node's /metrics");
            }
        }
    }

    private static IEnumerable<string> MetricsIn(string query) =>
        Regex.Matches(query, @"\bactorspool_[a-z_]+\b").Select(m => m.Value).Distinct();

    private static IEnumerable<string> LabelsIn(string query)
    {
        var unquoted = Regex.Replace(query, "\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");
        var selectors = Regex.Matches(unquoted, @"\bactorspool_[a-z_]+\{([^}]*)\}")
            .SelectMany(m => Regex.Matches(m.Groups[1].Value, @"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)").Select(l => l.Groups[1].Value));
        var grouping = Regex.Matches(unquoted, @"\b(?:by|without)\s*\(([^)]*)\)")
            .SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        var labelValues = Regex.Matches(unquoted, @"label_values\(\s*actorspool_[a-z_]+\s*,\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)").Select(m => m.Groups[1].Value);
        return selectors.Concat(grouping).Concat(labelValues).Distinct();
    }

    /// <summary>Every PromQL expression of the dashboard: the panels' targets and the template variables' queries.</summary>
    private static List<string> DashboardQueries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardFile));
        var queries = new List<string>();
        Collect(dashboard.RootElement);
        return queries;

        void Collect(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray()) Collect(item);
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name is "expr" or "definition" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        queries.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        Collect(property.Value);
                    }
                }
            }
        }
    }

    /// <summary>alerts.yml's rules: alert name → expression.</summary>
    private static Dictionary<string, string> AlertRules()
    {
        var yaml = new YamlStream();
        yaml.Load(new StringReader(File.ReadAllText(AlertsFile)));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        return ((YamlSequenceNode)root["groups"]).Cast<YamlMappingNode>()
            .SelectMany(group => ((YamlSequenceNode)group["rules"]).Cast<YamlMappingNode>())
            .ToDictionary(rule => ((YamlScalarNode)rule["alert"]).Value!, rule => ((YamlScalarNode)rule["expr"]).Value!);
    }

    private static async Task<(int Code, string Output)> PromtoolAsync(params string[] arguments)
    {
        const string promtool = "/usr/bin/promtool";
        Assert.True(File.Exists(promtool), "promtool is not installed (Debian package prometheus); ./test.sh installs it.");
        var start = new ProcessStartInfo(promtool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>
/// A node's /metrics (Prometheus text format): the labels seen on each series name, and each sample's value.
/// A histogram family also answers for its _bucket, _sum and _count series, a summary for _sum and _count.
/// </summary>
public sealed class Exposition
{
    private readonly Dictionary<string, double> _samples = new(StringComparer.Ordinal);

    private Exposition(string text) => Text = text;

    public string Text { get; }
    public Dictionary<string, HashSet<string>> Labels { get; } = new(StringComparer.Ordinal);

    /// <summary>The value of one series written as on /metrics (e.g. <c>name{queue="office"}</c>); null when absent.</summary>
    public double? Value(string series) => _samples.TryGetValue(series, out var value) ? value : null;

    public override string ToString() => Text;

    public static Exposition Parse(string text)
    {
        var exposition = new Exposition(text);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var fields = line.Split(' ');
                string[] suffixes = fields[3] switch
                {
                    "histogram" => ["", "_bucket", "_sum", "_count"],
                    "summary" => ["", "_sum", "_count"],
                    _ => [""],
                };
                foreach (var suffix in suffixes) exposition.LabelsOf(fields[2] + suffix);
                continue;
            }
            if (line.StartsWith('#')) continue;
            var space = line.LastIndexOf(' ');
            var series = line[..space];
            var brace = series.IndexOf('{');
            var labels = exposition.LabelsOf(brace < 0 ? series : series[..brace]);
            if (brace >= 0) labels.UnionWith(Regex.Matches(series[brace..], @"([a-zA-Z_][a-zA-Z0-9_]*)=""").Select(m => m.Groups[1].Value));
            exposition._samples[series] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }
        return exposition;
    }

    private HashSet<string> LabelsOf(string name)
    {
        if (!Labels.TryGetValue(name, out var labels)) Labels[name] = labels = new HashSet<string>(StringComparer.Ordinal);
        return labels;
    }
}
