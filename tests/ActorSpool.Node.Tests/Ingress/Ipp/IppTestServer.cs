using System.Net;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Spool;
using ActorSpool.Node.Web.Console;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorSpool.Node.Tests.Ingress.Ipp;

/// <summary>A real Kestrel server on 127.0.0.1 (port chosen by the OS) with only the IPP endpoints and a fake gateway.</summary>
internal sealed class IppTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IppTestServer(WebApplication app, FakeSpoolGateway gateway, int port)
    {
        _app = app;
        Gateway = gateway;
        Port = port;
    }

    public FakeSpoolGateway Gateway { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    public string PrinterUri(string queue = "office") => $"ipp://127.0.0.1:{Port}/printers/{queue}";

    public static async Task<IppTestServer> StartAsync(FakeSpoolGateway? gateway = null, Action<IServiceCollection>? services = null)
    {
        gateway ??= new FakeSpoolGateway();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddSingleton<ISpoolGateway>(gateway);
        builder.Services.AddSingleton(gateway.Clock); // the service's time is the fake spooler's
        builder.Services.AddIppPrintService();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapIpp();
        app.MapConsole();
        await app.StartAsync();

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new IppTestServer(app, gateway, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
