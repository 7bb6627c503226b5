namespace Bifrost.Ingestion.Scim;

/// <summary>Endpoint metadata naming the SCIM resource and operation, the bounded tags of the request metrics.</summary>
internal sealed record ScimOperation(string Resource, string Operation)
{
    public static readonly ScimOperation Unknown = new("none", "none");
}

internal static class ScimOperationExtensions
{
    public static RouteHandlerBuilder Scim(this RouteHandlerBuilder builder, string resource, string operation) =>
        builder.WithMetadata(new ScimOperation(resource, operation));
}
