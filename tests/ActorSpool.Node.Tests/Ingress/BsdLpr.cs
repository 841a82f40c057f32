using System.Diagnostics;
using System.Text;

namespace ActorSpool.Node.Tests.Ingress;

/// <summary>
/// Prints with Debian's real BSD <c>lpr</c> (package <c>lpr</c>) to an LPD server on a loopback port.
/// </summary>
/// <remarks>
/// This lpr (OpenBSD's) has no <c>-H host:port</c>: it always spools into the local spool directory of a printcap
/// queue, and the local <c>lpd</c> forwards the job to the queue's remote host (<c>rm</c>, <c>rp</c>) on the
/// "printer" service port of /etc/services, from a reserved source port (it runs as root here). So each print runs
/// in a private mount and PID namespace (<c>unshare</c>, root): an overlay on /etc gives it a printcap with the
/// queue (<c>rm=127.0.0.2</c>, <c>rp=QUEUE</c>) and an /etc/services whose "printer" port is the server's; a tmpfs
/// spool; then <c>lpr -q</c> (queue only, no daemon yet) and <c>lpd -s</c> (no network listener), which at start-up
/// forwards the queued job, deleting it from the spool once the server acknowledged every file. The remote host is
/// 127.0.0.2, not 127.0.0.1: lpd compares rm with the machine's interface addresses and would "print" a job for
/// 127.0.0.1 locally (to /dev/lp0); 127.0.0.2 is loopback too but no interface's address, so it is remote, and the
/// server must listen on 0.0.0.0 (or 127.0.0.2). The forwarded job is exactly what BSD lpd sends: data files first,
/// then the control file (H, P, J, C, then f/U/N per file).
/// </remarks>
internal static class BsdLpr
{
    public const string LprPath = "/usr/bin/lpr";
    public const string LpdPath = "/usr/sbin/lpd";
    public const string RemoteHost = "127.0.0.2";

    /// <summary>
    /// Prints <paramref name="files"/> as one job to <paramref name="queue"/> on 127.0.0.2:<paramref name="port"/>
    /// and waits until lpd has handed it over (the server acknowledged the last file). Returns lpr's and the
    /// script's output. Throws if the job was not forwarded in time — e.g. because the server refused it, which BSD
    /// lpd answers by retrying forever.
    /// </summary>
    public static Task<string> PrintAsync(int port, string queue, string? jobName, params string[] files) =>
        PrintCopiesAsync(port, queue, jobName, 1, files);

    /// <summary>As <see cref="PrintAsync"/>, with <c>lpr -#<paramref name="copies"/></c>: the control file names each file that often.</summary>
    public static Task<string> PrintCopiesAsync(int port, string queue, string? jobName, int copies, params string[] files)
    {
        var arguments = new StringBuilder($"-q -P {queue}");
        if (copies != 1)
        {
            arguments.Append($" -#{copies}");
        }

        if (jobName is not null)
        {
            arguments.Append($" -J '{jobName}'");
        }

        foreach (var file in files)
        {
            arguments.Append($" '{file}'");
        }

        return RunAsync(port, queue, $"""
            {LprPath} {arguments}
            echo "lpr queued the job"
            {LpdPath} -s &
            i=0
            while ls /var/spool/lpd/{queue}/cf* >/dev/null 2>&1; do
              i=$((i+1))
              if [ $i -gt 900 ]; then
                echo "lpd did not hand the job over:"; cat /var/spool/lpd/{queue}/status /var/spool/lpd/{queue}/log 2>/dev/null || true
                exit 3
              fi
              sleep 0.1
            done
            echo "lpd handed the job over"
            """);
    }

    /// <summary>Runs BSD <c>lpq</c> (<c>-l</c> when <paramref name="longFormat"/>) for the remote queue and returns its output.</summary>
    public static Task<string> LpqAsync(int port, string queue, bool longFormat) =>
        RunAsync(port, queue, $"/usr/bin/lpq {(longFormat ? "-l " : "")}-P {queue}");

    private static async Task<string> RunAsync(int port, string queue, string commands)
    {
        if (!OperatingSystem.IsLinux() || !Environment.IsPrivilegedProcess)
        {
            throw new InvalidOperationException("Driving BSD lpr needs Linux namespaces and root (the test machines have both).");
        }

        foreach (var tool in new[] { LprPath, LpdPath })
        {
            if (!File.Exists(tool))
            {
                throw new InvalidOperationException($"{tool} is missing: install Debian's package 'lpr' (test.sh does).");
            }
        }

        var root = Directory.CreateTempSubdirectory("actorspool-lpr-");
        try
        {
            var upper = Directory.CreateDirectory(Path.Combine(root.FullName, "etc-upper")).FullName;
            var work = Directory.CreateDirectory(Path.Combine(root.FullName, "etc-work")).FullName;
            var spool = Directory.CreateDirectory(Path.Combine(root.FullName, "spool")).FullName;
            Directory.CreateDirectory(Path.Combine(spool, queue));

            var services = (await File.ReadAllLinesAsync("/etc/services"))
                .Where(l => !l.StartsWith("printer", StringComparison.Ordinal))
                .Append($"printer\t\t{port}/tcp\t\tspooler");
            await File.WriteAllLinesAsync(Path.Combine(upper, "services"), services);
            await File.WriteAllTextAsync(Path.Combine(upper, "printcap"),
                $"{queue}|ActorSpool queue {queue}:\\\n\t:rm={RemoteHost}:\\\n\t:rp={queue}:\\\n\t:sd=/var/spool/lpd/{queue}:\\\n" +
                $"\t:lf=/var/spool/lpd/{queue}/log:\\\n\t:mx#0:\\\n\t:sh:\n");

            var script = Path.Combine(root.FullName, "run.sh");
            await File.WriteAllTextAsync(script, $"""
                #!/bin/sh
                set -e
                mount -t overlay overlay -o lowerdir=/etc,upperdir={upper},workdir={work} /etc
                mount -t tmpfs tmpfs /var/spool
                mkdir -p /var/spool/lpd
                mount --bind {spool} /var/spool/lpd
                chown -R lp:lp /var/spool/lpd
                mount -t tmpfs tmpfs /run
                {commands}
                """.Replace("\r\n", "\n", StringComparison.Ordinal));

            var start = new ProcessStartInfo("/usr/bin/unshare")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "--mount", "--pid", "--fork", "--kill-child", "/bin/sh", script })
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            try
            {
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(150));
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            var output = await stdout + await stderr;
            return process.ExitCode == 0
                ? output
                : throw new InvalidOperationException($"lpr/lpd exited with {process.ExitCode}:\n{output}");
        }
        finally
        {
            try
            {
                root.Delete(recursive: true);
            }
            catch (Exception)
            {
                // A leftover temporary directory is harmless.
            }
        }
    }
}
