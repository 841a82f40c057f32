using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorSpool.Node.Web.Api;

/// <summary>The API's JSON: web defaults (camelCase), as minimal APIs write it.</summary>
public static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>A view with one more property (QueueView + hostNode, JobView + attempts), flat as the contract shows it.</summary>
    public static JsonObject With(object view, string name, object? value)
    {
        var json = JsonSerializer.SerializeToNode(view, view.GetType(), Options)!.AsObject();
        json[name] = JsonSerializer.SerializeToNode(value, Options);
        return json;
    }
}
