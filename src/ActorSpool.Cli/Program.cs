using System.CommandLine;
using ActorSpool.Cli.Commands;

// spoolctl: the ActorSpool command-line tool.
// Each subcommand lives in its own file under Commands/ and exposes `public static Command Create()`;
// to add one, add its file and one line to the list below.
var root = new RootCommand("spoolctl: command-line tool for the ActorSpool clustered print spooler.")
{
    SimulateCommand.Create(),
};

return await root.Parse(args).InvokeAsync();
