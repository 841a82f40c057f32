using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorSpool.TestSupport;

/// <summary>
/// A D-Bus daemon and an avahi-daemon of the test's own: the bus on a Unix socket in a temporary directory, avahi in a
/// network namespace of its own (<c>unshare --net</c>) that has only its loopback interface, so no mDNS packet reaches
/// the machine's real networks, and a mount namespace with its own /run (its pid file and socket do not clash with a
/// system avahi-daemon, which <see cref="IppEvePrinter"/> starts). Clients reach it through <see cref="BusAddress"/>;
/// <see cref="BrowseAsync"/> runs the real <c>avahi-browse</c> against it. Needs root (see <see cref="WhyUnavailable"/>).
/// </summary>
public sealed class PrivateAvahi : IAsyncDisposable
{
    private readonly string _directory;
    private readonly Process _bus;
    private Process? _avahi;
    private readonly StringBuilder _output = new();

    private PrivateAvahi(string directory, Process bus)
    {
        _directory = directory;
        _bus = bus;
    }

    /// <summary>Why these tests cannot run here, or null: namespaces and avahi's privileges need root (as here and in CI).</summary>
    public static string? WhyUnavailable { get; } = Environment.IsPrivilegedProcess
        ? NamespacesRefused()
        : "needs root: the test's avahi-daemon runs in a network namespace of its own (unshare --net), so no mDNS packet leaves the machine";

    /// <summary>Root in a container without CAP_SYS_ADMIN still may not make namespaces: say so instead of failing.</summary>
    private static string? NamespacesRefused()
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("unshare", "--net --mount true") { RedirectStandardError = true, UseShellExecute = false })!;
            var error = probe.StandardError.ReadToEnd();
            probe.WaitForExit();
            return probe.ExitCode == 0 ? null : $"this machine refuses network namespaces (unshare --net: {error.Trim()}), where the test's avahi-daemon runs";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"unshare cannot run ({e.Message})";
        }
    }

    /// <summary>The bus's socket: <see cref="StartAsync"/> creates it here, so a client can be pointed at it before avahi runs.</summary>
    public static string BusAddressIn(string directory) => $"unix:path={Path.Combine(directory, "bus")}";

    public string BusAddress => BusAddressIn(_directory);

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts both daemons in <paramref name="directory"/> (a new temporary one when null).</summary>
    public static async Task<PrivateAvahi> StartAsync(string? directory = null)
    {
        if (WhyUnavailable is { } reason) throw new InvalidOperationException(reason);
        var dbusDaemon = Daemons.Require("dbus-daemon", "dbus");
        Daemons.Require("avahi-daemon", "avahi-daemon");
        Daemons.Require("unshare", "util-linux");
        Daemons.Require("ip", "iproute2");
        directory ??= Directory.CreateTempSubdirectory("actorspool-avahi-").FullName;
        var socket = Path.Combine(directory, "bus");
        await File.WriteAllTextAsync(Path.Combine(directory, "bus.conf"), $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path={socket}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_type="method_call"/>
                <allow send_destination="*"/>
                <allow receive_sender="*"/>
              </policy>
            </busconfig>
            """);
        // Only the namespace's loopback: avahi announces on it (it takes loopback interfaces), nothing leaves.
        await File.WriteAllTextAsync(Path.Combine(directory, "avahi-daemon.conf"), """
            [server]
            use-ipv4=yes
            use-ipv6=no
            allow-interfaces=lo
            enable-dbus=yes
            [wide-area]
            enable-wide-area=no
            [publish]
            publish-hinfo=no
            publish-workstation=no
            """);

        var avahi = new PrivateAvahi(directory, Start(dbusDaemon, ["--nofork", "--nopidfile", $"--config-file={Path.Combine(directory, "bus.conf")}"], null, null));
        try
        {
            await Daemons.WaitAsync(() => Task.FromResult(Daemons.CanConnect(socket) || avahi._bus.HasExited), "the test's D-Bus daemon");
            if (avahi._bus.HasExited) throw new InvalidOperationException($"dbus-daemon exited with {avahi._bus.ExitCode}");
            await avahi.StartAvahiAsync();
            return avahi;
        }
        catch
        {
            await avahi.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops avahi-daemon (as a crash or `systemctl restart` would) and starts it again on the same bus.</summary>
    public async Task RestartAvahiAsync()
    {
        if (_avahi is not null) await StopAsync(_avahi);
        await StartAvahiAsync();
    }

    /// <summary>What <c>avahi-browse -rtpk TYPE</c> shows (resolved entries), against this avahi only.</summary>
    public async Task<IReadOnlyList<BrowsedService>> BrowseAsync(string type = "_ipp._tcp") =>
        [.. (await RunBrowseAsync(["-r", "-t", "-p", "-k", type])).Where(line => line.StartsWith("=;", StringComparison.Ordinal)).Select(BrowsedService.Parse)];

    private async Task<string[]> RunBrowseAsync(string[] arguments)
    {
        var start = new ProcessStartInfo(Daemons.Require("avahi-browse", "avahi-utils"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DBUS_SYSTEM_BUS_ADDRESS"] = BusAddress;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Daemons.Patience);
        if (process.ExitCode != 0) throw new InvalidOperationException($"avahi-browse exited with {process.ExitCode}: {await errors}");
        return (await output).Split('\n');
    }

    /// <summary>The service names <c>avahi-browse -tpk TYPE</c> finds, unresolved (subtypes, e.g. _print._sub._ipp._tcp).</summary>
    public async Task<IReadOnlyList<string>> BrowseNamesAsync(string type) =>
        [.. (await RunBrowseAsync(["-t", "-p", "-k", type])).Where(line => line.StartsWith("+;", StringComparison.Ordinal)).Select(line => BrowsedService.Unescape(line.Split(';')[3]))];

    public async ValueTask DisposeAsync()
    {
        if (_avahi is not null) await StopAsync(_avahi);
        await StopAsync(_bus);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private async Task StartAvahiAsync()
    {
        const string inNamespace = "ip link set lo up && mount -t tmpfs tmpfs /run && " +
                                   "exec avahi-daemon --no-drop-root --no-chroot --no-rlimits -f \"$0\"";
        _avahi = Start(Daemons.Require("unshare", "util-linux"), ["--net", "--mount", "--propagation", "private", "sh", "-c", inNamespace, Path.Combine(_directory, "avahi-daemon.conf")],
            new Dictionary<string, string> { ["DBUS_SYSTEM_BUS_ADDRESS"] = BusAddress }, _output);
        var avahi = _avahi;
        await Daemons.WaitAsync(() => Task.FromResult(Output.Contains("Server startup complete", StringComparison.Ordinal) || avahi.HasExited), "the test's avahi-daemon");
        if (avahi.HasExited) throw new InvalidOperationException($"avahi-daemon exited with {avahi.ExitCode}:\n{Output}");
        lock (_output) _output.Clear(); // the next start waits for its own "startup complete"
    }

    private static Process Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, StringBuilder? output)
    {
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        void Append(object _, DataReceivedEventArgs e)
        {
            if (e.Data is null || output is null) return;
            lock (output) output.AppendLine(e.Data);
        }
        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill();
            await process.WaitForExitAsync().WaitAsync(Daemons.Patience);
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }
        finally
        {
            process.Dispose();
        }
    }
}

/// <summary>One resolved line of <c>avahi-browse -p</c>: <c>=;IFACE;PROTO;NAME;TYPE;DOMAIN;HOST;ADDRESS;PORT;"k=v" "k=v"</c>.</summary>
public sealed partial record BrowsedService(string Name, string Type, string Host, string Address, int Port, IReadOnlyDictionary<string, string> Txt)
{
    public static BrowsedService Parse(string line)
    {
        var fields = line.Split(';', 10);
        if (fields.Length < 10) throw new FormatException($"not a resolved avahi-browse -p line: {line}");
        var txt = TxtString().Matches(fields[9])
            .Select(m => m.Groups[1].Value)
            .Select(entry => entry.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "", StringComparer.Ordinal);
        return new BrowsedService(Unescape(fields[3]), fields[4], fields[6], fields[7], int.Parse(fields[8], CultureInfo.InvariantCulture), txt);
    }

    /// <summary>avahi's label escaping: \DDD (decimal) for a byte, \X for X.</summary>
    public static string Unescape(string label)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < label.Length; i++)
        {
            if (label[i] == '\\' && i + 3 < label.Length && char.IsAsciiDigit(label[i + 1]) && char.IsAsciiDigit(label[i + 2]) && char.IsAsciiDigit(label[i + 3]))
            {
                bytes.Add(byte.Parse(label.AsSpan(i + 1, 3), CultureInfo.InvariantCulture));
                i += 3;
            }
            else if (label[i] == '\\' && i + 1 < label.Length)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(label[++i].ToString()));
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(label[i].ToString()));
            }
        }
        return Encoding.UTF8.GetString([.. bytes]);
    }

    [GeneratedRegex("\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex TxtString();
}
