namespace ActorSpool.Node.Tests.Ipp;
public sealed class ScratchIpp20(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Run()
    {
        await using var server = await IppTestServer.StartAsync(new FakeSpoolGateway { CompleteAfter = TimeSpan.FromSeconds(1) });
        var dir = Directory.CreateTempSubdirectory("scratch20-");
        foreach (var f in new[] { "ipp-1.1.test", "ipp-2.0.test" }) File.Copy("/usr/share/cups/ipptool/" + f, Path.Combine(dir.FullName, f));
        foreach (var n in new[] { "document-a4.pdf", "document-letter.pdf", "document-a4.ps", "document-letter.ps", "color.jpg", "gray.jpg", "testfile.txt" })
            File.WriteAllText(Path.Combine(dir.FullName, n), "x");
        var psi = new System.Diagnostics.ProcessStartInfo("ipptool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-t", "-T", "30", "-f", Path.Combine(dir.FullName, "testfile.txt"), server.PrinterUri(), Path.Combine(dir.FullName, "ipp-2.0.test") }) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync(); var e = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        output.WriteLine(await o + await e);
        dir.Delete(true);
    }
}
