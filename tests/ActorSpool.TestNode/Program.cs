using System.CommandLine;
using ActorSpool.Node.Hosting;
using ActorSpool.TestNode;

// ActorSpool.Node's command line, with crash points from ACTORSPOOL_TEST_HOOK (e.g. kill-after-delivered:3).
var crashPoints = KillingCrashPoints.Parse(Environment.GetEnvironmentVariable(KillingCrashPoints.EnvironmentVariable));
return await NodeCommandLine.Create((options, hocon, ct) => NodeHost.RunAsync(options, hocon, crashPoints, ct))
    .Parse(args)
    .InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
