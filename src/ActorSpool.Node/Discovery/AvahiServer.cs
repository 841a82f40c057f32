using Tmds.DBus.Protocol;

namespace ActorSpool.Node.Discovery;

/// <summary>
/// The few calls of avahi-daemon's D-Bus API (org.freedesktop.Avahi.Server and .EntryGroup) that publishing services
/// needs. Entry groups belong to the connection that made them: avahi withdraws them when it closes.
/// </summary>
internal sealed class AvahiServer(DBusConnection connection, string busName)
{
    public const string BusName = "org.freedesktop.Avahi";
    private const string ServerInterface = "org.freedesktop.Avahi.Server";
    private const string GroupInterface = "org.freedesktop.Avahi.EntryGroup";
    private const string ServerPath = "/";

    /// <summary>EntryGroup.AddService's error when this avahi-daemon already has a service of that name and type.</summary>
    public const string LocalCollisionError = "org.freedesktop.Avahi.CollisionError";

    private const int AnyInterface = -1, AnyProtocol = -1;

    /// <summary>AvahiServerState: 2 = running (host name established); others mean its records are (being) withdrawn.</summary>
    public const int ServerRunning = 2;

    /// <summary>AvahiEntryGroupState values.</summary>
    public const int GroupEstablished = 2, GroupCollision = 3, GroupFailure = 4;

    public Task<int> GetStateAsync() => CallAsync(ServerPath, ServerInterface, "GetState", (Message m, object? _) => m.GetBodyReader().ReadInt32());

    /// <summary>The host name avahi announces (without .local): the services' SRV records point at it.</summary>
    public Task<string> GetHostNameAsync() => CallAsync(ServerPath, ServerInterface, "GetHostName", (Message m, object? _) => m.GetBodyReader().ReadString());

    /// <summary>"name #2" for "name", "name #3" for "name #2" (avahi_alternative_service_name).</summary>
    public Task<string> GetAlternativeServiceNameAsync(string name)
    {
        return connection.CallMethodAsync(Create(), (Message m, object? _) => m.GetBodyReader().ReadString());

        MessageBuffer Create()
        {
            using var writer = connection.GetMessageWriter();
            writer.WriteMethodCallHeader(busName, ServerPath, ServerInterface, "GetAlternativeServiceName", "s");
            writer.WriteString(name);
            return writer.CreateMessage();
        }
    }

    /// <summary>A new, empty entry group; its object path.</summary>
    public Task<string> NewEntryGroupAsync() =>
        CallAsync(ServerPath, ServerInterface, "EntryGroupNew", (Message m, object? _) => m.GetBodyReader().ReadObjectPathAsString());

    /// <summary>Adds <paramref name="service"/> with its subtypes to the group (published at <see cref="CommitAsync"/>).</summary>
    public async Task AddServiceAsync(string group, DnsSdService service)
    {
        await connection.CallMethodAsync(AddService());
        foreach (var subtype in service.Subtypes) await connection.CallMethodAsync(AddSubtype(subtype));

        MessageBuffer AddService()
        {
            using var writer = connection.GetMessageWriter();
            writer.WriteMethodCallHeader(busName, group, GroupInterface, "AddService", "iiussssqaay");
            writer.WriteInt32(AnyInterface);
            writer.WriteInt32(AnyProtocol);
            writer.WriteUInt32(0);
            writer.WriteString(service.Name);
            writer.WriteString(service.Type);
            writer.WriteString(""); // the default domain (local)
            writer.WriteString(""); // this host, by avahi's host name
            writer.WriteUInt16((ushort)service.Port);
            var txt = writer.WriteArrayStart(DBusType.Array);
            foreach (var entry in service.Txt) writer.WriteArray(System.Text.Encoding.UTF8.GetBytes(entry));
            writer.WriteArrayEnd(txt);
            return writer.CreateMessage();
        }

        MessageBuffer AddSubtype(string subtype)
        {
            using var writer = connection.GetMessageWriter();
            writer.WriteMethodCallHeader(busName, group, GroupInterface, "AddServiceSubtype", "iiussss");
            writer.WriteInt32(AnyInterface);
            writer.WriteInt32(AnyProtocol);
            writer.WriteUInt32(0);
            writer.WriteString(service.Name);
            writer.WriteString(service.Type);
            writer.WriteString("");
            writer.WriteString(subtype);
            return writer.CreateMessage();
        }
    }

    public Task CommitAsync(string group) => CallAsync(group, GroupInterface, "Commit");

    /// <summary>Withdraws what the group published and empties it (it can be filled and committed again).</summary>
    public Task ResetAsync(string group) => CallAsync(group, GroupInterface, "Reset");

    /// <summary>Withdraws what the group published and deletes it.</summary>
    public Task FreeAsync(string group) => CallAsync(group, GroupInterface, "Free");

    /// <summary>Calls <paramref name="changed"/>(state) on every org.freedesktop.Avahi.Server.StateChanged.</summary>
    public ValueTask<IDisposable> WatchServerStateAsync(Action<int> changed) =>
        connection.WatchSignalAsync(busName, ServerPath, ServerInterface, "StateChanged",
            (Message m, object? _) => m.GetBodyReader().ReadInt32(),
            (Notification<int> signal) =>
            {
                if (signal.HasValue) changed(signal.Value);
            }, ObserverFlags.None, emitOnCapturedContext: false);

    /// <summary>Calls <paramref name="changed"/>(group path, state, error) on every entry group's StateChanged.</summary>
    public ValueTask<IDisposable> WatchGroupStatesAsync(Action<string, int, string> changed) =>
        connection.AddMatchAsync(
            new MatchRule { Type = MessageType.Signal, Sender = busName, Interface = GroupInterface, Member = "StateChanged" },
            (Message m, object? _) =>
            {
                var reader = m.GetBodyReader();
                return (Path: m.PathAsString ?? "", State: reader.ReadInt32(), Error: reader.ReadString());
            },
            (Notification<(string Path, int State, string Error)> signal) =>
            {
                if (signal.HasValue) changed(signal.Value.Path, signal.Value.State, signal.Value.Error);
            }, emitOnCapturedContext: false, ObserverFlags.None);

    private Task<T> CallAsync<T>(string path, string @interface, string member, MessageValueReader<T> reader)
    {
        return connection.CallMethodAsync(Create(), reader);

        MessageBuffer Create()
        {
            using var writer = connection.GetMessageWriter();
            writer.WriteMethodCallHeader(busName, path, @interface, member);
            return writer.CreateMessage();
        }
    }

    private Task CallAsync(string path, string @interface, string member)
    {
        return connection.CallMethodAsync(Create());

        MessageBuffer Create()
        {
            using var writer = connection.GetMessageWriter();
            writer.WriteMethodCallHeader(busName, path, @interface, member);
            return writer.CreateMessage();
        }
    }
}
