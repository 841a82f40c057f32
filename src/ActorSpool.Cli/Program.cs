using ActorSpool.Cli.Spoolctl;

// spoolctl: the ActorSpool command-line tool. `spoolctl [HOST:PORT] PALETTE VERB [-x value …]` runs one command of
// the node's palettes, `spoolctl [HOST:PORT]` opens the REPL; submit, bench and simulate are built in
// (Commands/, System.CommandLine). See docs/spoolctl.md.
return await SpoolctlProgram.MainAsync(args, Console.Out, Console.Error);
