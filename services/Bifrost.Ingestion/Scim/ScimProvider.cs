namespace Bifrost.Ingestion.Scim;

/// <summary>
/// The provider the gateway resolved from the bearer token, passed in <see cref="Header"/>. The gateway strips any
/// inbound copy of the header, and ingestion has no external endpoint, so the value can be trusted here.
/// </summary>
public sealed record ScimProvider(Guid Id)
{
    public const string Header = "X-Bifrost-Provider";

    public static bool TryRead(HttpContext context, out ScimProvider provider)
    {
        provider = null!;
        if (context.Request.Headers[Header] is [{ } value] && Guid.TryParse(value, out var id) && id != Guid.Empty)
        {
            provider = new ScimProvider(id);
            return true;
        }

        return false;
    }

    /// <summary>Minimal-API binding; <see cref="ScimHttpExtensions.UseScimErrors"/> already rejected requests without it.</summary>
    public static ValueTask<ScimProvider?> BindAsync(HttpContext context) =>
        ValueTask.FromResult(TryRead(context, out var provider) ? provider : null);
}
