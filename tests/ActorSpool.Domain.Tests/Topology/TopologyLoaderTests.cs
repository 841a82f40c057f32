using ActorSpool.Domain.Topology;
using Akka.Configuration;

namespace ActorSpool.Domain.Tests.Topology;

public sealed class TopologyLoaderTests
{
    private const string Source = "config/printers.conf";

    private const string ValidPrinters = """
        actorspool.printers {
          lj-1 { uri = "socket://127.0.0.1:9101" }
          lj-2 { uri = "socket://127.0.0.1:9102", fallback-uri = "lpd://127.0.0.1/raw" }
        }
        """;

    private static SpoolTopology Load(string hocon) => TopologyLoader.Load(ConfigurationFactory.ParseString(hocon), Source);

    private static TopologyException Fails(string hocon) => Assert.Throws<TopologyException>(() => TopologyLoader.LoadText(hocon, Source));

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ActorSpool.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No ActorSpool.sln above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void The_shipped_printers_conf_loads()
    {
        var path = Path.Combine(RepositoryRoot(), "config", "printers.conf");

        var topology = TopologyLoader.LoadFile(path);

        Assert.Equal(["lj-1", "lj-2", "lj-3", "plotter"], topology.PrinterNames);
        Assert.Equal(new Uri("socket://127.0.0.1:9104"), topology.Printers["plotter"].Uri);
        Assert.Equal(["office", "plans", "pool"], topology.QueueNames);
        Assert.Equal("office", topology.DefaultQueue);
        Assert.True(topology.DemoPrinters);

        var office = topology.Queues["office"];
        Assert.Equal(["lj-1", "lj-2"], office.Printers);
        Assert.Equal(QueueMode.Failover, office.Mode);
        Assert.False(office.Sequential);

        var pool = topology.Queues["pool"];
        Assert.Equal(["lj-1", "lj-2", "lj-3"], pool.Printers);
        Assert.Equal(QueueMode.Balance, pool.Mode);

        var plans = topology.Queues["plans"];
        Assert.Equal(["plotter"], plans.Printers);
        Assert.True(plans.Sequential);

        Assert.Equal(["lj-1", "lj-2", "lj-3", "plotter"], topology.DemoPrinterDefinitions().Select(p => p.Name));
        Assert.Equal(9101, topology.Printers["lj-1"].Uri.Port);
    }

    [Fact]
    public void Defaults_apply()
    {
        var topology = Load(ValidPrinters + "\nactorspool.queues { office { printers = [lj-1] } }");

        var office = topology.Queues["office"];
        Assert.Equal(new QueueDefinition("office", office.Printers, QueueMode.Failover, false, 50, 3, 256L * 1024 * 1024, null), office);
        Assert.Equal(["lj-1"], office.Printers);
        Assert.Equal("office", topology.DefaultQueue);
        Assert.False(topology.DemoPrinters);
        Assert.Empty(topology.DemoPrinterDefinitions());
        Assert.Null(topology.Printers["lj-1"].FallbackUri);
        Assert.Equal(new Uri("lpd://127.0.0.1/raw"), topology.Printers["lj-2"].FallbackUri);
    }

    [Fact]
    public void Every_queue_key_is_read()
    {
        var topology = Load(ValidPrinters + """

            actorspool.queues {
              office { printers = [lj-2, lj-1], mode = balance, sequential = on, default-priority = 70, max-attempts = 5, max-document-size = 64M, raw-port = 9200,
                       max-jobs = 500, max-jobs-per-user = 20, max-documents-per-job = 8 }
              big { printers = [lj-1], max-document-size = 2GiB }
              small { printers = [lj-1], max-document-size = 100kB }
            }
            actorspool.default-queue = small
            """);

        Assert.Equal(new QueueDefinition("office", topology.Queues["office"].Printers, QueueMode.Balance, true, 70, 5, 64L * 1024 * 1024, 9200)
        {
            MaxJobs = 500,
            MaxJobsPerUser = 20,
            MaxDocumentsPerJob = 8,
        }, topology.Queues["office"]);
        Assert.Equal((100_000, 0, 1_000), (topology.Queues["big"].MaxJobs, topology.Queues["big"].MaxJobsPerUser, topology.Queues["big"].MaxDocumentsPerJob));
        Assert.Equal(["lj-2", "lj-1"], topology.Queues["office"].Printers);
        Assert.Equal(2L * 1024 * 1024 * 1024, topology.Queues["big"].MaxDocumentBytes);
        Assert.Equal(100_000, topology.Queues["small"].MaxDocumentBytes);
        Assert.Equal("small", topology.DefaultQueue);
        Assert.Same(topology.Queues["office"], topology.FindQueueByRawPort(9200));
    }

    [Fact]
    public void A_file_the_hocon_parser_loops_on_is_refused_after_the_parse_timeout_naming_the_file()
    {
        // Found by afl-fuzz: Akka's parser never returns on runs of quotes around a list.
        const string looping = "aci = \"\"\"\"\"\"\"\"\"\"\"\"\" \"\"\"tor[prouri = \"\"\"\"\"\"\"\"\"\"\"\"\" \"\"\"\"\"\"\"\"\"\"\"socke :/\u0014ues aator";

        var e = Assert.Throws<TopologyException>(() => TopologyLoader.Parse(looping, "printers.conf"));

        Assert.StartsWith("printers.conf: HOCON syntax error: the parser did not finish within 10 s", Assert.Single(e.Problems));
    }

    [Fact]
    public void Without_default_queue_the_first_queue_by_name_is_the_default()
    {
        var topology = Load(ValidPrinters + "\nactorspool.queues { zeta { printers = [lj-1] }\n alpha { printers = [lj-2] }\n mid { printers = [lj-1] } }");

        Assert.Equal("alpha", topology.DefaultQueue);
        Assert.Equal("alpha", topology.DefaultQueueDefinition.Name);
    }

    [Fact]
    public void Lookups_ignore_case()
    {
        var topology = Load(ValidPrinters + "\nactorspool.queues { office { printers = [lj-1, lj-2] } }\nactorspool.default-queue = OFFICE");

        Assert.Equal("office", topology.DefaultQueue);
        Assert.Same(topology.Queues["office"], topology.FindQueue("Office"));
        Assert.Same(topology.Printers["lj-2"], topology.FindPrinter("LJ-2"));
        Assert.Null(topology.FindQueue("nope"));
        Assert.Equal(["office"], topology.QueuesUsing("LJ-1").Select(q => q.Name));
    }

    [Fact]
    public void Comma_separated_objects_on_one_line_load()
    {
        // The shape from the design notes; Akka's parser alone rejects "}, lj-2 {".
        var topology = TopologyLoader.LoadText("""
            actorspool.printers { lj-1 { uri = "socket://127.0.0.1:9101" }, lj-2 { uri = "socket://127.0.0.1:9102", fallback-uri = "lpd://127.0.0.1/raw" } }
            actorspool.queues { office { printers = [lj-1, lj-2], mode = failover, sequential = off, default-priority = 50, max-attempts = 3 }, other { printers = [lj-2] } }
            actorspool.default-queue = office
            actorspool.demo-printers = on
            """, Source);

        Assert.Equal(["lj-1", "lj-2"], topology.PrinterNames);
        Assert.Equal(["office", "other"], topology.QueueNames);
        Assert.True(topology.DemoPrinters);
    }

    [Fact]
    public void Fallback_uris_are_a_chain_over_any_protocol_in_the_order_given_and_fallback_uri_is_a_chain_of_one()
    {
        var topology = Load("""
            actorspool.printers {
              chain { uri = "ipp://127.0.0.1:8000/ipp/print", fallback-uris = ["lpd://127.0.0.1/raw", "socket://127.0.0.1:9100"] }
              one { uri = "socket://127.0.0.1:9101", fallback-uri = "lpd://127.0.0.1/raw" }
              none { uri = "socket://127.0.0.1:9102" }
            }
            actorspool.queues { office { printers = [chain, one, none] } }
            """);

        var chain = topology.FindPrinter("chain")!;
        Assert.Equal(["ipp://127.0.0.1:8000/ipp/print", "lpd://127.0.0.1/raw", "socket://127.0.0.1:9100/"], chain.Paths.Select(u => u.ToString()));
        Assert.Equal(new Uri("lpd://127.0.0.1/raw"), chain.FallbackUri);
        Assert.Equal([new Uri("lpd://127.0.0.1/raw")], topology.FindPrinter("one")!.FallbackUris);
        Assert.Empty(topology.FindPrinter("none")!.FallbackUris);
        Assert.False(topology.FindPrinter("none")!.Sequential);
    }

    [Fact]
    public void A_printer_may_keep_submission_order_across_its_queues()
    {
        var topology = Load("""
            actorspool.printers { ordered { uri = "socket://127.0.0.1:9101", sequential = on } }
            actorspool.queues { office { printers = [ordered] } }
            """);
        Assert.True(topology.FindPrinter("ordered")!.Sequential);
    }

    [Fact]
    public void Other_actorspool_settings_are_ignored()
    {
        var topology = Load(ValidPrinters + "\nactorspool.queues { office { printers = [lj-1] } }\nactorspool.node { ipp-port = 8631 }\nactorspool.spool.workers = 4");

        Assert.Single(topology.Queues);
    }

    public static TheoryData<string, string, string> InvalidCases() => new()
    {
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1, lj-2, lj-9] } }",
            "actorspool.queues.office.printers[2]", "unknown printer 'lj-9'"
        },
        {
            "actorspool.printers { lj-1 { uri = \"http://127.0.0.1/print\" } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.uri", "unsupported URI scheme 'http'"
        },
        {
            "actorspool.printers { lj-1 { uri = \"socket://127.0.0.1\" } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.uri", "needs a port"
        },
        {
            "actorspool.printers { lj-1 { uri = \"lpd://127.0.0.1\" } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.uri", "needs a queue path"
        },
        {
            "actorspool.printers { lj-1 { uri = \"ipp://printer.example/\" } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.uri", "needs a path"
        },
        {
            "actorspool.printers { lj-1 { uri = \"socket://127.0.0.1:9101\", fallback-uri = \"ipps://printer.example\" } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.fallback-uri", "needs a path"
        },
        {
            "actorspool.printers { lj-1 { uri = \"not a uri\" } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.uri", "invalid URI 'not a uri'"
        },
        {
            "actorspool.printers { lj-1 { fallback-uri = \"lpd://h/q\" } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.uri", "missing"
        },
        {
            "actorspool.printers { lj-1 { uri = \"socket://127.0.0.1:9101\", fallback-uri = \"lpd://h/q\", fallback-uris = [\"lpd://h/q\"] } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1", "has both 'fallback-uri' and 'fallback-uris'"
        },
        {
            "actorspool.printers { lj-1 { uri = \"socket://127.0.0.1:9101\", fallback-uris = [\"lpd://h/q\", \"socket://h\"] } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.fallback-uris[1]", "needs a port"
        },
        {
            "actorspool.printers { lj-1 { uri = \"socket://127.0.0.1:9101\", fallback-uris = \"lpd://h/q\" } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.fallback-uris", "must be a list of device URIs"
        },
        {
            "actorspool.printers { lj-1 { uri = \"socket://127.0.0.1:9101\", fallback-uris = [\"lpd://h/q\", \"lpd://h/q\"] } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.lj-1.fallback-uris[1]", "listed twice"
        },
        {
            "actorspool.printers { Laser { uri = \"socket://127.0.0.1:9101\" } }\nactorspool.queues { office { printers = [Laser] } }",
            "actorspool.printers.Laser", "invalid printer name 'Laser'"
        },
        {
            ValidPrinters + "\nactorspool.queues { _office { printers = [lj-1] } }",
            "actorspool.queues._office", "invalid queue name '_office'"
        },
        {
            ValidPrinters + "\nactorspool.queues { \"front office\" { printers = [lj-1] } }",
            "actorspool.queues.\"front office\"", "invalid queue name 'front office'"
        },
        {
            ValidPrinters + "\nactorspool.printers { LJ-1 { uri = \"socket://127.0.0.1:9109\" } }\nactorspool.queues { office { printers = [lj-1] } }",
            "actorspool.printers.LJ-1", "duplicate printer name 'LJ-1' (same as 'lj-1' ignoring case)"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1, lj-2, lj-1] } }",
            "actorspool.queues.office.printers[2]", "printer 'lj-1' is listed more than once"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [] } }",
            "actorspool.queues.office.printers", "a queue needs at least one printer"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { mode = balance } }",
            "actorspool.queues.office.printers", "a queue needs at least one printer"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = lj-1 } }",
            "actorspool.queues.office.printers", "must be a list of printer names"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], mode = round-robin } }",
            "actorspool.queues.office.mode", "unknown mode 'round-robin' (expected failover or balance)"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], sequential = maybe } }",
            "actorspool.queues.office.sequential", "must be on or off"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], default-priority = 0 } }",
            "actorspool.queues.office.default-priority", "0 is out of range (1..100)"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], default-priority = 101 } }",
            "actorspool.queues.office.default-priority", "101 is out of range (1..100)"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], default-priority = high } }",
            "actorspool.queues.office.default-priority", "must be a whole number from 1 to 100, not 'high'"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], max-attempts = 0 } }",
            "actorspool.queues.office.max-attempts", "0 is out of range (1..100)"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], max-attempts = 1000 } }",
            "actorspool.queues.office.max-attempts", "1000 is out of range (1..100)"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], max-jobs = 0 } }",
            "actorspool.queues.office.max-jobs", "0 is out of range"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], max-jobs-per-user = -1 } }",
            "actorspool.queues.office.max-jobs-per-user", "-1 is out of range"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], max-document-size = lots } }",
            "actorspool.queues.office.max-document-size", "invalid size 'lots'"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], raw-port = 70000 } }",
            "actorspool.queues.office.raw-port", "70000 is out of range (1..65535)"
        },
        {
            ValidPrinters + "\nactorspool.queues { a { printers = [lj-1], raw-port = 9200 }\n b { printers = [lj-2], raw-port = 9200 } }",
            "actorspool.queues.b.raw-port", "raw-port 9200 is already used by queue 'a'"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1], max-attemps = 5 } }",
            "actorspool.queues.office.max-attemps", "unknown key 'max-attemps'"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1] } }\nactorspool.default-queue = nope",
            "actorspool.default-queue", "unknown queue 'nope'"
        },
        {
            ValidPrinters + "\nactorspool.queues { office { printers = [lj-1] } }\nactorspool.demo-printers = sometimes",
            "actorspool.demo-printers", "must be on or off"
        },
        {
            ValidPrinters,
            "actorspool.queues", "no queues defined"
        },
        {
            ValidPrinters + "\nactorspool.queues {}",
            "actorspool.queues", "no queues defined"
        },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Each_invalid_case_names_file_key_and_problem(string hocon, string keyPath, string problem)
    {
        var error = Fails(hocon);

        var expectedStart = $"{Source}: {keyPath}: ";
        Assert.Contains(error.Problems, p => p.StartsWith(expectedStart, StringComparison.Ordinal) && p.Contains(problem, StringComparison.Ordinal));
        Assert.Contains(expectedStart, error.Message);
    }

    [Fact]
    public void Several_problems_are_all_reported()
    {
        var error = Fails("""
            actorspool.printers {
              lj-1 { uri = "socket://127.0.0.1" }
              lj-2 { uri = "ftp://127.0.0.1/x" }
            }
            actorspool.queues {
              office { printers = [lj-1, lj-9], mode = sideways, default-priority = 500 }
              plans { printers = [] }
            }
            actorspool.default-queue = nowhere
            """);

        Assert.Equal(
        [
            $"{Source}: actorspool.printers.lj-1.uri: socket URI 'socket://127.0.0.1' needs a port, e.g. socket://127.0.0.1:9100",
            $"{Source}: actorspool.printers.lj-2.uri: unsupported URI scheme 'ftp' in 'ftp://127.0.0.1/x' (expected socket, ipp, ipps or lpd)",
            $"{Source}: actorspool.queues.office.printers[1]: unknown printer 'lj-9'",
            $"{Source}: actorspool.queues.office.mode: unknown mode 'sideways' (expected failover or balance)",
            $"{Source}: actorspool.queues.office.default-priority: 500 is out of range (1..100)",
            $"{Source}: actorspool.queues.plans.printers: a queue needs at least one printer",
            $"{Source}: actorspool.default-queue: unknown queue 'nowhere'",
        ], error.Problems);
        Assert.Equal(string.Join(Environment.NewLine, error.Problems), error.Message);
    }

    [Fact]
    public void A_default_queue_with_its_own_problems_is_not_reported_as_unknown()
    {
        var error = Fails(ValidPrinters + "\nactorspool.queues { office { printers = [lj-7] } }\nactorspool.default-queue = office");

        Assert.Equal([$"{Source}: actorspool.queues.office.printers[0]: unknown printer 'lj-7'"], error.Problems);
    }

    [Fact]
    public void An_empty_configuration_reports_missing_printers_and_queues()
    {
        var error = Assert.Throws<TopologyException>(() => TopologyLoader.Load(Config.Empty, Source));

        Assert.Equal([$"{Source}: actorspool.printers: no printers defined", $"{Source}: actorspool.queues: no queues defined"], error.Problems);
    }

    [Fact]
    public void A_hocon_syntax_error_names_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"actorspool-topology-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, "actorspool.printers {\n  lj-1 { uri = \"socket://127.0.0.1:9101\" }\n\nactorspool.queues { office { printers = [lj-1] } }\n");
        try
        {
            var error = Assert.Throws<TopologyException>(() => TopologyLoader.LoadFile(path));

            var problem = Assert.Single(error.Problems);
            Assert.StartsWith($"{path}: line 1, column 21: HOCON syntax error: ", problem);
            Assert.Contains("never closed", problem);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("actorspool.queues { office { printers = [lj-1 } }", "line 1")]
    [InlineData("actorspool.printers { lj-1 { uri = \"socket://x:1 } }", "unterminated string")]
    [InlineData("a = ${missing}", "HOCON syntax error")]
    public void Syntax_errors_are_topology_exceptions(string hocon, string expected)
    {
        var error = Fails(hocon);

        var problem = Assert.Single(error.Problems);
        Assert.StartsWith($"{Source}: ", problem);
        Assert.Contains(expected, problem);
        Assert.DoesNotContain('\n', problem);
    }

    // Akka's parser recurses once per level: 20,000 levels overflowed the stack and killed the process (found by
    // scripts/fuzz.sh). The nesting is refused before it gets there, with the place it goes too deep.
    [Fact]
    public void Braces_nested_deeper_than_64_levels_are_a_syntax_error_at_the_65th()
    {
        var error = Fails("a = " + string.Concat(Enumerable.Repeat("{b = ", 20_000)) + "1" + new string('}', 20_000));

        Assert.Equal($"{Source}: line 1, column {4 + 64 * 5 + 1}: HOCON syntax error: '{{' nested deeper than 64 levels", Assert.Single(error.Problems));
    }

    [Fact]
    public void A_dotted_key_deeper_than_64_levels_is_a_syntax_error_at_the_65th_dot()
    {
        var error = Fails("a" + string.Concat(Enumerable.Repeat(".a", 20_000)) + " = 1");

        Assert.Equal($"{Source}: line 1, column {1 + 64 * 2 + 1}: HOCON syntax error: a key nested deeper than 64 levels", Assert.Single(error.Problems));
    }

    // Each of these made Akka's parser loop forever, so a node given such a printers.conf hung at start (found by
    // scripts/fuzz.sh); now they are refused with the place of the offending character.
    [Theory]
    [InlineData("a = [ = ]", 7, "'=' inside a list")]
    [InlineData("a = [ \"x\" : 1 ]", 11, "':' inside a list")]
    [InlineData("a = [ 1, \\ ]", 10, "'\\' inside a list")]
    [InlineData("a = [ x, ${?X} ]", 10, "'$' inside a list other than a substitution ${path}")]
    [InlineData("a = [lj-1,$ipp-1]", 11, "'$' inside a list other than a substitution ${path}")]
    [InlineData("a = [p1${ printers [p1] } ]", 8, "'$' inside a list other than a substitution ${path}")]
    [InlineData("a = [ [ = ] ]", 9, "'=' inside a list")]
    [InlineData("a = [^1]", 6, "'^' inside a list")]
    public void What_made_the_hocon_parser_loop_forever_is_a_syntax_error(string hocon, int column, string expected)
    {
        var error = Fails(hocon);

        Assert.StartsWith($"{Source}: line 1, column {column}: HOCON syntax error: {expected}", Assert.Single(error.Problems));
    }

    [Fact]
    public void Values_and_substitutions_in_lists_still_load()
    {
        var topology = TopologyLoader.LoadText(ValidPrinters + """

            first = lj-1
            actorspool.queues { office { printers = [${first}, "lj-2"] } }
            """, Source);

        Assert.Equal(["lj-1", "lj-2"], topology.Queues["office"].Printers);
    }

    [Fact]
    public void Nesting_of_64_levels_still_loads()
    {
        var deep = "other = " + string.Concat(Enumerable.Repeat("{b = ", 63)) + "1" + new string('}', 63) + "\n" +
            "x" + string.Concat(Enumerable.Repeat(".x", 63)) + " = 1\n";

        var topology = TopologyLoader.LoadText(deep + ValidPrinters + "\nactorspool.queues { office { printers = [lj-1] } }", Source);

        Assert.Equal(["office"], topology.QueueNames);
    }

    [Fact]
    public void A_missing_file_is_a_topology_exception()
    {
        var error = Assert.Throws<TopologyException>(() => TopologyLoader.LoadFile("no/such/printers.conf"));

        Assert.Equal(["no/such/printers.conf: file not found"], error.Problems);
    }

    [Theory]
    [InlineData("1024", 1024L)]
    [InlineData("512K", 512L * 1024)]
    [InlineData("64M", 64L * 1024 * 1024)]
    [InlineData("64MiB", 64L * 1024 * 1024)]
    [InlineData("1g", 1024L * 1024 * 1024)]
    [InlineData("100MB", 100_000_000L)]
    [InlineData("2 kB", 2000L)]
    [InlineData("1.5K", 1536L)]
    [InlineData("10 bytes", 10L)]
    public void Sizes_follow_hocon_units(string text, long expected)
    {
        Assert.True(ByteSize.TryParse(text, out var bytes));
        Assert.Equal(expected, bytes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("M")]
    [InlineData("12 parsecs")]
    [InlineData("99999999999999G")]
    public void Bad_sizes_are_rejected(string text) => Assert.False(ByteSize.TryParse(text, out _));

    [Theory]
    [InlineData("lj-1", true)]
    [InlineData("0", true)]
    [InlineData("plans_2", true)]
    [InlineData("-lead", false)]
    [InlineData("Upper", false)]
    [InlineData("dot.ted", false)]
    [InlineData("", false)]
    public void Name_rule(string name, bool valid) => Assert.Equal(valid, TopologyLoader.IsValidName(name));

    [Fact]
    public void Names_may_be_63_characters_but_not_64()
    {
        Assert.True(TopologyLoader.IsValidName(new string('a', 63)));
        Assert.False(TopologyLoader.IsValidName(new string('a', 64)));
    }
}
