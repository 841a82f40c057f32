using System.CommandLine;
using ActorSpool.Node.Hosting;

// SIGTERM and Ctrl-C belong to the host (graceful shutdown: workers finish, the node leaves the cluster).
// System.CommandLine's own termination handler would race it and abort the process once the host disposed it.
return await NodeCommandLine.Create(NodeHost.RunAsync).Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
