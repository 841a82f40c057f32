using ActorSpool.Domain.Topology;

namespace ActorSpool.Domain.Tests.Topology;

/// <summary>
/// Live topology changes (spoolctl printer/queue add|set|remove, config apply) and the printers.conf text the keeper
/// journals: a change obeys the file's rules, is all or nothing, and the written text reads back to the same topology.
/// </summary>
public sealed class TopologyEditorTests
{
    private static readonly SpoolTopology Shipped =
        TopologyLoader.LoadFile(Path.Combine(TopologyLoaderTests.RepositoryRoot(), "config", "printers.conf"));

    private static PrinterDefinition Printer(string name, string uri) => new(name, new Uri(uri), null);

    private static QueueDefinition Queue(string name, params string[] printers) =>
        new(name, printers, QueueMode.Failover, false, TopologyDefaults.DefaultPriority, TopologyDefaults.MaxAttempts, TopologyDefaults.MaxDocumentBytes, null);

    [Fact]
    public void The_written_text_reads_back_to_the_same_topology_with_every_setting()
    {
        var rich = TopologyLoader.LoadText("""
            actorspool {
              printers {
                a { uri = "ipp://10.0.0.5/ipp/print", fallback-uris = ["lpd://10.0.0.5/raw", "socket://10.0.0.5:9100"], sequential = on }
                b { uri = "socket://127.0.0.1:9102" }
              }
              queues {
                q1 { printers = [a, b], mode = balance, sequential = on, default-priority = 70, max-attempts = 5, max-document-size = 64M,
                     raw-port = 9200, max-jobs = 10, max-jobs-per-user = 2, max-documents-per-job = 3 }
                q2 { printers = [b] }
              }
              default-queue = q2
              demo-printers = off
            }
            """, "rich.conf");

        foreach (var topology in new[] { rich, Shipped })
        {
            var text = TopologyWriter.ToHocon(topology, "header line");
            var back = TopologyLoader.LoadText(text, "written");
            Assert.Equal(text, TopologyWriter.ToHocon(back, "header line"));
            Assert.Equal(topology.DefaultQueue, back.DefaultQueue);
            Assert.Equal(topology.DemoPrinters, back.DemoPrinters);
            Assert.True(TopologyDiff.Between(topology, back).IsEmpty);
        }

        var q1 = TopologyLoader.LoadText(TopologyWriter.ToHocon(rich), "written").Queues["q1"];
        Assert.Equal((QueueMode.Balance, true, 70, 5, 64L * 1024 * 1024, 9200, 10, 2, 3),
            (q1.Mode, q1.Sequential, q1.DefaultPriority, q1.MaxAttempts, q1.MaxDocumentBytes, q1.RawPort, q1.MaxJobs, q1.MaxJobsPerUser, q1.MaxDocumentsPerJob));
        Assert.Equal(["lpd://10.0.0.5/raw", "socket://10.0.0.5:9100"], rich.Printers["a"].FallbackUris.Select(u => u.OriginalString));
    }

    [Fact]
    public void A_printer_and_a_queue_over_it_are_added_in_one_change()
    {
        var outcome = TopologyEditor.Apply(Shipped,
            [new TopologyEdit.PutPrinter(Printer("lj-9", "socket://127.0.0.1:9109"), PutMode.Add), new TopologyEdit.PutQueue(Queue("lab", "lj-9", "lj-1"), PutMode.Add)]);

        Assert.Empty(outcome.Problems);
        var result = outcome.Topology!;
        Assert.Equal(["lab", "office", "plans", "pool"], result.QueueNames);
        Assert.Equal(["lj-9", "lj-1"], result.Queues["lab"].Printers);
        var diff = TopologyDiff.Between(Shipped, result);
        Assert.Equal(["printers added: lj-9", "queues added: lab"], diff.Lines());
    }

    [Fact]
    public void Set_changes_only_an_existing_one_and_add_only_a_new_one()
    {
        var set = TopologyEditor.Apply(Shipped, [new TopologyEdit.PutPrinter(Printer("lj-1", "lpd://printhost/raw"), PutMode.Set)]);
        Assert.Empty(set.Problems);
        Assert.Equal("lpd://printhost/raw", set.Topology!.Printers["lj-1"].Uri.OriginalString);
        Assert.Equal(["printers changed: lj-1"], TopologyDiff.Between(Shipped, set.Topology).Lines());

        Assert.Equal(["printer lj-1 already exists (use set to change it)"],
            TopologyEditor.Apply(Shipped, [new TopologyEdit.PutPrinter(Printer("lj-1", "socket://h:9100"), PutMode.Add)]).Problems);
        Assert.Equal(["queue nope: no such queue (use add to create it)"],
            TopologyEditor.Apply(Shipped, [new TopologyEdit.PutQueue(Queue("nope", "lj-1"), PutMode.Set)]).Problems);
    }

    [Fact]
    public void A_change_that_breaks_a_rule_changes_nothing_and_says_why()
    {
        // A printer a queue still uses; a queue over a printer that does not exist; a bad device URI; a bad name.
        Assert.Equal(["queue office: printer lj-2 does not exist", "queue pool: printer lj-2 does not exist"],
            TopologyEditor.Apply(Shipped, [new TopologyEdit.RemovePrinter("lj-2")]).Problems);
        Assert.Equal(["queue lab: printer ghost does not exist"],
            TopologyEditor.Apply(Shipped, [new TopologyEdit.PutQueue(Queue("lab", "ghost"), PutMode.Add)]).Problems);

        var badUri = TopologyEditor.Apply(Shipped, [new TopologyEdit.PutPrinter(Printer("lj-9", "http://printer/"), PutMode.Add)]);
        Assert.Null(badUri.Topology);
        Assert.Contains(badUri.Problems, p => p.StartsWith("live topology: actorspool.printers.lj-9.uri:", StringComparison.Ordinal));

        var badName = TopologyEditor.Apply(Shipped, [new TopologyEdit.PutPrinter(Printer("Bad Name", "socket://h:9100"), PutMode.Add)]);
        Assert.Null(badName.Topology);
        Assert.NotEmpty(badName.Problems);

        // All or nothing: the valid first edit is not applied either.
        var mixed = TopologyEditor.Apply(Shipped,
            [new TopologyEdit.PutPrinter(Printer("lj-9", "socket://127.0.0.1:9109"), PutMode.Add), new TopologyEdit.RemoveQueue("nope")]);
        Assert.Null(mixed.Topology);
        Assert.Equal(["queue nope: no such queue"], mixed.Problems);
    }

    [Fact]
    public void Removing_the_default_queue_makes_the_first_remaining_one_the_default_and_the_last_queue_stays()
    {
        var removed = TopologyEditor.Apply(Shipped, [new TopologyEdit.RemoveQueue("office")]);
        Assert.Equal("plans", removed.Topology!.DefaultQueue);

        var chosen = TopologyEditor.Apply(Shipped, [new TopologyEdit.SetDefaultQueue("pool")]);
        Assert.Equal("pool", chosen.Topology!.DefaultQueue);
        Assert.Equal(["default queue: office -> pool"], TopologyDiff.Between(Shipped, chosen.Topology).Lines());
        Assert.Equal(["default queue nope: no such queue"], TopologyEditor.Apply(Shipped, [new TopologyEdit.SetDefaultQueue("nope")]).Problems);

        Assert.Equal(["the spooler needs at least one queue"], TopologyEditor.Apply(Shipped,
            [new TopologyEdit.RemoveQueue("office"), new TopologyEdit.RemoveQueue("plans"), new TopologyEdit.RemoveQueue("pool")]).Problems);
    }

    [Fact]
    public void Replace_all_takes_the_whole_new_topology()
    {
        var other = TopologyLoader.LoadText("""
            actorspool.printers { x { uri = "socket://127.0.0.1:9300" } }
            actorspool.queues { only { printers = [x] } }
            """, "other.conf");

        var outcome = TopologyEditor.Apply(Shipped, [new TopologyEdit.ReplaceAll(other)]);

        Assert.Equal(["only"], outcome.Topology!.QueueNames);
        Assert.Equal(["x"], outcome.Topology.PrinterNames);
        var diff = TopologyDiff.Between(Shipped, outcome.Topology);
        Assert.Equal(["lj-1", "lj-2", "lj-3", "plotter"], diff.PrintersRemoved);
        Assert.Equal(["office", "plans", "pool"], diff.QueuesRemoved);
    }
}
