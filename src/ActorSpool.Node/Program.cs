using ActorSpool.Node.Hosting;

return await NodeCommandLine.Create(NodeHost.RunAsync).Parse(args).InvokeAsync();
