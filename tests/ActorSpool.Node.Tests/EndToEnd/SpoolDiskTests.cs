using System.Diagnostics;
using System.Net.Http.Headers;
using ActorSpool.Actors.Storage;
using ActorSpool.Node.Ingress.Ipp;
using ActorSpool.Node.Tests.Ingress.Ipp;
using ActorSpool.Protocols.Ipp;
using ActorSpool.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using static ActorSpool.Node.Tests.Ingress.Ipp.IppTestSupport;

namespace ActorSpool.Node.Tests.EndToEnd;

/// <summary>
/// A node whose data directory is a real, small file system (a 48 MiB tmpfs): below actorspool.limits.min-free-disk
/// Print-Job is refused with server-error-temporary-error before anything is written, and accepted again once space is
/// back. Job ids are allocated only with a stored document, so refusals leave no rows and use up no ids.
/// </summary>
public sealed class SpoolDiskTests
{
    private const long MiB = 1024 * 1024;

    [TmpfsFact]
    public async Task Below_the_free_space_floor_print_job_is_refused_and_accepted_again_when_space_is_back()
    {
        using var mount = new TempDirectory();
        Mount(mount.Path);
        try
        {
            await using var printer = await Printers.SimulatorAsync("lj-1");
            var data = Directory.CreateDirectory(Path.Combine(mount.Path, "data")).FullName;
            var printers = Printers.WriteFile(mount.Path, [printer], "  office { printers = [lj-1] }\n  small { printers = [lj-1], max-document-size = 1K }");
            await using var node = await InProcessNode.StartAsync(InProcessNode.Options(data, printers), "actorspool.limits.min-free-disk = 16MiB");
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.IppPort}/") };
            var documents = node.Services.GetRequiredService<IDocumentStore>();

            var first = await PrintAsync(http, node, "office", TextDocument);
            first.AssertStatus(IppStatusCode.SuccessfulOk);
            long firstId = first.Job("job-id").Value.AsInt();

            (await PrintAsync(http, node, "small", new byte[4096])).AssertStatus(IppStatusCode.ClientErrorRequestEntityTooLarge);

            // Fill the file system until less than the floor is free.
            var filler = Path.Combine(mount.Path, "filler");
            await FillAsync(filler, new DriveInfo(mount.Path).AvailableFreeSpace - 8 * MiB);
            Assert.True(new DriveInfo(mount.Path).AvailableFreeSpace < 16 * MiB);
            var refused = await PrintAsync(http, node, "office", TextDocument);
            refused.AssertStatus(IppStatusCode.ServerErrorTemporaryError);
            Assert.Contains("min-free-disk", refused.StatusMessage());

            File.Delete(filler);
            var second = await PrintAsync(http, node, "office", TextDocument);
            second.AssertStatus(IppStatusCode.SuccessfulOk);

            // The two refusals took no job id and left no row.
            Assert.Equal(firstId + 1, second.Job("job-id").Value.AsInt());
            Assert.Equal("office", await documents.FindQueueOfJobAsync(firstId));
            Assert.Null(await documents.FindQueueOfJobAsync(firstId + 2));
        }
        finally
        {
            Unmount(mount.Path);
        }
    }

    private static async Task<IppMessage> PrintAsync(HttpClient http, InProcessNode node, string queue, byte[] document)
    {
        using var content = new ByteArrayContent(Encode(PrintJob(printerUri: node.QueueUri(queue).ToString()), document));
        content.Headers.ContentType = new MediaTypeHeaderValue(IppEndpoints.ContentType);
        using var response = await http.PostAsync($"/printers/{queue}", content);
        return IppParser.Parse(await response.Content.ReadAsByteArrayAsync(), out _);
    }

    private static async Task FillAsync(string path, long bytes)
    {
        var chunk = new byte[MiB];
        Array.Fill(chunk, (byte)0x5A);
        await using var file = File.Create(path);
        for (long written = 0; written < bytes; written += chunk.Length)
            await file.WriteAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, bytes - written)));
    }

    internal static void Mount(string path) => Run("mount", $"-t tmpfs -o size=48m tmpfs {path}");

    // Lazy: SQLite's pooled connections of the stopped node may hold the database open a moment longer.
    internal static void Unmount(string path)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Run("umount", $"-l {path}");
    }

    private static void Run(string command, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{command} {arguments}: exit {process.ExitCode}: {error}");
    }
}

/// <summary>Runs only where a tmpfs can be mounted (root with CAP_SYS_ADMIN); elsewhere it is skipped and says why.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (Environment.UserName != "root")
        {
            Skip = "mounting a size-limited tmpfs for the spool disk needs root";
            return;
        }

        var probe = Path.Combine(Path.GetTempPath(), "actorspool-tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(probe);
        try
        {
            SpoolDiskTests.Mount(probe);
            SpoolDiskTests.Unmount(probe);
        }
        catch (Exception e)
        {
            Skip = $"cannot mount a tmpfs here ({e.Message.Trim()})";
        }
        finally
        {
            Directory.Delete(probe);
        }
    }
}
