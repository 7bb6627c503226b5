namespace Bifrost.Scim;

public enum ScimPatchOperationType
{
    Add,
    Remove,
    Replace,
}

/// <summary>One PATCH operation. <see cref="Path"/> null means "the resource itself".</summary>
public sealed record ScimPatchOperation(ScimPatchOperationType Op, ScimAttributePath? Path, JsonNode? Value);

/// <summary>The outcome of <see cref="ScimPatch.Apply(JsonObject, IReadOnlyList{ScimPatchOperation}, ScimSchema)"/>.</summary>
/// <param name="Resource">The patched copy; the input is never modified.</param>
/// <param name="ResourceChanged">Whether any attribute other than group members changed (skip the write and the version bump when false).</param>
/// <param name="Members">Group membership changes, kept out of <paramref name="Resource"/> (always empty for users).</param>
public sealed record ScimPatchResult(JsonObject Resource, bool ResourceChanged, ScimMemberChanges Members)
{
    public bool HasChanges => ResourceChanged || !Members.IsEmpty;
}

/// <summary>
/// The net effect of a PATCH on a group's members, composed in operation order. Apply it as: when
/// <see cref="RemoveAll"/>, delete every member; then delete <see cref="Removed"/>; then insert <see cref="Added"/>,
/// ignoring ids that are already members (adding an existing member is a no-op). A replace of the member list is
/// <see cref="RemoveAll"/> plus <see cref="Added"/>. Ids compare ordinally (they are case-exact).
/// </summary>
public sealed class ScimMemberChanges
{
    private readonly HashSet<string> _added = new(StringComparer.Ordinal);
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);

    public bool RemoveAll { get; private set; }
    public IReadOnlyCollection<string> Added => _added;
    public IReadOnlyCollection<string> Removed => _removed;
    public bool IsEmpty => !RemoveAll && _added.Count == 0 && _removed.Count == 0;

    internal void Add(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            _removed.Remove(id);
            _added.Add(id);
        }
    }

    internal void Remove(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            _added.Remove(id);
            if (!RemoveAll)
            {
                _removed.Add(id);
            }
        }
    }

    internal void Clear()
    {
        RemoveAll = true;
        _added.Clear();
        _removed.Clear();
    }
}

/// <summary>
/// SCIM PATCH (RFC 7644 §3.5.2) with Microsoft Entra ID's dialect: case-insensitive <c>op</c>, "True"/"False"
/// strings for booleans, add on a single-valued attribute as replace, filtered value paths that create the missing
/// element, URN paths split at the last colon, path-less values with dotted or URN keys, the manager as a plain id,
/// "" or null as remove, and member removal by value.
/// </summary>
public static class ScimPatch
{
    /// <summary>
    /// Parses a PatchOp body. Throws 400 <c>invalidSyntax</c> for a missing <c>Operations</c> array, a
    /// <c>schemas</c> array without the PatchOp URN, an unknown <c>op</c> or a missing <c>value</c>;
    /// <c>invalidPath</c> for a malformed path; <c>noTarget</c> for a remove without path.
    /// An empty <c>Operations</c> array is a valid no-op (the SCIM Validator sends one).
    /// </summary>
    public static IReadOnlyList<ScimPatchOperation> Parse(JsonObject body)
    {
        if (ScimJson.Get(body, "schemas") is { } schemas
            && (schemas is not JsonArray uris || !uris.Any(u => string.Equals(ScimJson.GetString(u), ScimConstants.PatchOpSchema, StringComparison.OrdinalIgnoreCase))))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"A PATCH body must list '{ScimConstants.PatchOpSchema}' in 'schemas'.");
        }
        if (ScimJson.Get(body, "Operations") is not JsonArray operations)
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, "A PATCH body needs an 'Operations' array.");
        }
        return operations.Select((operation, index) => ParseOperation(operation, index)).ToList();
    }

    /// <summary>
    /// Applies operations to a copy of <paramref name="resource"/>, a canonical resource as produced by
    /// <see cref="ScimResource.Normalize"/>. For groups, member operations never touch the resource's
    /// <c>members</c> (which may be left out entirely): they are returned in <see cref="ScimPatchResult.Members"/>.
    /// </summary>
    public static ScimPatchResult Apply(JsonObject resource, IReadOnlyList<ScimPatchOperation> operations, ScimSchema schema)
    {
        var writer = new ResourceWriter(schema, resource.DeepClone().AsObject(), patching: true);
        foreach (var operation in operations)
        {
            writer.Apply(operation.Op, operation.Path, operation.Value);
        }
        var result = writer.Complete(resource);
        return new ScimPatchResult(result, !JsonNode.DeepEquals(resource, result), writer.Members);
    }

    /// <summary>Parses and applies a PatchOp body.</summary>
    public static ScimPatchResult Apply(JsonObject resource, JsonObject body, ScimSchema schema) => Apply(resource, Parse(body), schema);

    private static ScimPatchOperation ParseOperation(JsonNode? node, int index)
    {
        if (node is not JsonObject operation)
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"Operations[{index}] is not an object.");
        }
        var opText = ScimJson.GetString(ScimJson.Get(operation, "op"));
        if (!Enum.TryParse<ScimPatchOperationType>(opText, ignoreCase: true, out var op) || !Enum.IsDefined(op) || !opText.All(char.IsAsciiLetter))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"Operations[{index}] has op '{opText}'; expected add, remove or replace.");
        }
        var pathNode = ScimJson.Get(operation, "path");
        if (pathNode is not null && !ScimJson.TryGetString(pathNode, out _))
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidPath, $"Operations[{index}].path must be a string.");
        }
        var pathText = ScimJson.GetString(pathNode);
        var path = string.IsNullOrWhiteSpace(pathText) ? null : ScimAttributePath.Parse(pathText.Trim());
        if (path is null && op == ScimPatchOperationType.Remove)
        {
            throw ScimException.BadRequest(ScimErrorType.NoTarget, $"Operations[{index}] is a remove without a path.");
        }
        var valueKey = ScimJson.FindKey(operation, "value");
        if (valueKey is null && op != ScimPatchOperationType.Remove)
        {
            throw ScimException.BadRequest(ScimErrorType.InvalidSyntax, $"Operations[{index}] ({op}) has no 'value'.");
        }
        return new ScimPatchOperation(op, path, valueKey is null ? null : operation[valueKey]);
    }
}
