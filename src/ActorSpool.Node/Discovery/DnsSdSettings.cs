using Akka.Configuration;
using Tmds.DBus.Protocol;

namespace ActorSpool.Node.Discovery;

/// <summary><c>actorspool.dnssd</c>: advertising the queues by DNS-SD through avahi-daemon (docs/operations.md).</summary>
public sealed record DnsSdSettings
{
    private const string Path = "actorspool.dnssd";

    /// <summary>The system bus when <c>DBUS_SYSTEM_BUS_ADDRESS</c> does not say otherwise (the D-Bus specification's default).</summary>
    public const string DefaultSystemBus = "unix:path=/var/run/dbus/system_bus_socket";

    public bool Enabled { get; init; } = true;

    /// <summary>The D-Bus address avahi-daemon is on; empty = the system bus.</summary>
    public string DBusAddress { get; init; } = "";

    /// <summary>The address to connect to: <see cref="DBusAddress"/>, else the system bus.</summary>
    public string EffectiveDBusAddress => DBusAddress.Length > 0 ? DBusAddress : Tmds.DBus.Protocol.DBusAddress.System ?? DefaultSystemBus;

    /// <param name="enabledOverride">--dnssd / ACTORSPOOL_DNSSD when given.</param>
    public static DnsSdSettings FromConfig(Config hocon, bool? enabledOverride)
    {
        var defaults = new DnsSdSettings();
        var section = hocon.GetConfig(Path);
        var settings = section is null
            ? defaults
            : new DnsSdSettings
            {
                Enabled = section.GetBoolean("enabled", defaults.Enabled),
                DBusAddress = section.GetString("dbus-address", "").Trim(),
            };
        if (settings.DBusAddress.Length > 0 && !settings.DBusAddress.Contains(':', StringComparison.Ordinal))
        {
            throw new ConfigurationException($"{Path}.dbus-address: '{settings.DBusAddress}' is not a D-Bus address (e.g. unix:path=/run/dbus/system_bus_socket)");
        }
        return enabledOverride is { } enabled ? settings with { Enabled = enabled } : settings;
    }
}
