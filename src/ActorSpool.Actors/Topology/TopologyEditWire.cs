using System.Text.Json;
using System.Text.Json.Serialization;
using ActorSpool.Domain.Messages;
using ActorSpool.Domain.Topology;

namespace ActorSpool.Actors.Topology;

/// <summary>Converts <see cref="TopologyEdit"/>s to and from their plain wire form (<see cref="TopologyProtocol.EditWire"/>).</summary>
public static class TopologyEditWire
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    public static TopologyProtocol.EditWire ToWire(TopologyEdit edit) => edit switch
    {
        TopologyEdit.PutPrinter p => new("put-printer", p.Printer.Name, p.Mode.ToString(), JsonSerializer.Serialize(p.Printer, Json)),
        TopologyEdit.RemovePrinter r => new("remove-printer", r.Name, null, null),
        TopologyEdit.PutQueue q => new("put-queue", q.Queue.Name, q.Mode.ToString(), JsonSerializer.Serialize(q.Queue, Json)),
        TopologyEdit.RemoveQueue r => new("remove-queue", r.Name, null, null),
        TopologyEdit.SetDefaultQueue d => new("set-default-queue", d.Name, null, null),
        TopologyEdit.ReplaceAll all => new("replace-all", "", null, TopologyWriter.ToHocon(all.Topology)),
        _ => throw new ArgumentException($"Unknown topology edit {edit.GetType().Name}", nameof(edit)),
    };

    /// <summary>The edit, or a problem text when the wire form is not one (a newer node's edit, a damaged message).</summary>
    public static (TopologyEdit? Edit, string? Problem) FromWire(TopologyProtocol.EditWire wire)
    {
        try
        {
            TopologyEdit? edit = wire.Kind switch
            {
                "put-printer" => new TopologyEdit.PutPrinter(Definition<PrinterDefinition>(wire), Enum.Parse<PutMode>(wire.Mode ?? nameof(PutMode.Upsert))),
                "remove-printer" => new TopologyEdit.RemovePrinter(wire.Name),
                "put-queue" => new TopologyEdit.PutQueue(Definition<QueueDefinition>(wire), Enum.Parse<PutMode>(wire.Mode ?? nameof(PutMode.Upsert))),
                "remove-queue" => new TopologyEdit.RemoveQueue(wire.Name),
                "set-default-queue" => new TopologyEdit.SetDefaultQueue(wire.Name),
                "replace-all" => new TopologyEdit.ReplaceAll(TopologyLoader.LoadText(wire.Definition ?? "", "applied configuration")),
                _ => null,
            };
            return edit is null ? (null, $"unknown change '{wire.Kind}'") : (edit, null);
        }
        catch (TopologyException e)
        {
            return (null, string.Join("; ", e.Problems));
        }
        catch (Exception e) when (e is JsonException or ArgumentException or NotSupportedException)
        {
            return (null, $"change '{wire.Kind}' of {wire.Name} cannot be read: {e.Message}");
        }
    }

    /// <summary>True when two definitions of a printer or queue say the same (every field, including ones added later).</summary>
    public static bool SameDefinition<T>(T a, T b) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json);

    private static T Definition<T>(TopologyProtocol.EditWire wire) =>
        JsonSerializer.Deserialize<T>(wire.Definition ?? "null", Json) ?? throw new JsonException("no definition");
}
