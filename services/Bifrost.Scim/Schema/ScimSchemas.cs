namespace Bifrost.Scim;

/// <summary>
/// The schemas Bifrost serves: core User (RFC 7643 §4.1) with the Enterprise User extension (§4.3), and Group (§4.2).
/// <c>id</c> and <c>externalId</c> are listed in the resource schemas so that schema discovery finds them; the
/// common <c>meta</c> attribute is known to the resolver but not listed.
/// </summary>
public static class ScimSchemas
{
    private static readonly string[] AddressTypes = ["work", "home", "other"];

    internal static ScimAttribute Meta { get; } = Complex("meta", "Resource metadata, set by the service provider.",
        Text("resourceType", "The name of the resource type of the resource.") with { CaseExact = true },
        Typed("created", ScimAttributeType.DateTime, "The date and time the resource was added."),
        Typed("lastModified", ScimAttributeType.DateTime, "The date and time the resource was last modified."),
        Ref("location", "The URI of the resource being returned.", "uri"),
        Text("version", "The version (ETag) of the resource being returned.") with { CaseExact = true })
        with { Mutability = ScimMutability.ReadOnly };

    private static ScimAttribute Id { get; } = Text("id", "Unique identifier for the resource, assigned by the service provider.") with
    {
        CaseExact = true, Mutability = ScimMutability.ReadOnly, Returned = ScimReturned.Always, Uniqueness = ScimUniqueness.Server,
    };

    private static ScimAttribute ExternalId { get; } = Text("externalId", "Identifier of the resource as defined by the provisioning client.") with { CaseExact = true };

    public static ScimSchema EnterpriseUser { get; } = new(ScimConstants.EnterpriseUserSchema, "EnterpriseUser", "Enterprise User",
    [
        Text("employeeNumber", "Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization."),
        Text("costCenter", "Identifies the name of a cost center."),
        Text("organization", "Identifies the name of an organization."),
        Text("division", "Identifies the name of a division."),
        Text("department", "Identifies the name of a department."),
        Complex("manager", "The User's manager.",
            Text("value", "The id of the SCIM resource representing the User's manager.") with { CaseExact = true },
            Ref("$ref", "The URI of the SCIM resource representing the User's manager.", "User"),
            Text("displayName", "The displayName of the User's manager.") with { Mutability = ScimMutability.ReadOnly }),
    ]);

    public static ScimSchema User { get; } = new(ScimConstants.UserSchema, "User", "User Account",
    [
        Id,
        ExternalId,
        Text("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider.")
            with { Required = true, Uniqueness = ScimUniqueness.Server },
        Complex("name", "The components of the user's real name.",
            Text("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
            Text("familyName", "The family name of the User, or last name."),
            Text("givenName", "The given name of the User, or first name."),
            Text("middleName", "The middle name(s) of the User."),
            Text("honorificPrefix", "The honorific prefix(es) of the User, or title."),
            Text("honorificSuffix", "The honorific suffix(es) of the User, or suffix.")),
        Text("displayName", "The name of the User, suitable for display to end-users."),
        Text("nickName", "The casual way to address the user in real life."),
        Ref("profileUrl", "A fully qualified URL pointing to a page representing the User's online profile.", "external"),
        Text("title", "The user's title, such as \"Vice President\"."),
        Text("userType", "Used to identify the relationship between the organization and the user."),
        Text("preferredLanguage", "Indicates the User's preferred written or spoken language."),
        Text("locale", "Used to indicate the User's default location for purposes of localizing items."),
        Text("timezone", "The User's time zone in the 'Olson' time zone database format."),
        Typed("active", ScimAttributeType.Boolean, "A Boolean value indicating the User's administrative status."),
        Text("password", "The User's cleartext password.") with { Mutability = ScimMutability.WriteOnly, Returned = ScimReturned.Never },
        MultiValued("emails", "Email addresses for the user.", Text("value", "Email address for the user."), "work", "home", "other"),
        MultiValued("phoneNumbers", "Phone numbers for the User.", Text("value", "Phone number of the User."), "work", "home", "mobile", "fax", "pager", "other"),
        MultiValued("ims", "Instant messaging addresses for the User.", Text("value", "Instant messaging address for the User."),
            "aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"),
        MultiValued("photos", "URLs of photos of the User.", Ref("value", "URL of a photo of the User.", "external"), "photo", "thumbnail"),
        Complex("addresses", "A physical mailing address for this User.",
            Text("formatted", "The full mailing address, formatted for display or use with a mailing label."),
            Text("streetAddress", "The full street address component."),
            Text("locality", "The city or locality component."),
            Text("region", "The state or region component."),
            Text("postalCode", "The zip code or postal code component."),
            Text("country", "The country name component."),
            TypeAttribute("A label indicating the attribute's function.", AddressTypes),
            Primary()) with { MultiValued = true },
        Complex("groups", "A list of groups to which the user belongs, either through direct membership or through nested groups.",
            Text("value", "The identifier of the User's group.") with { CaseExact = true },
            Ref("$ref", "The URI of the corresponding 'Group' resource to which the user belongs.", "User", "Group"),
            Text("display", "A human-readable name, primarily used for display purposes."),
            TypeAttribute("A label indicating the attribute's function, e.g., 'direct' or 'indirect'.", "direct", "indirect"))
            with { MultiValued = true, Mutability = ScimMutability.ReadOnly },
        MultiValued("entitlements", "A list of entitlements for the User that represent a thing the User has.", Text("value", "The value of an entitlement.")),
        MultiValued("roles", "A list of roles for the User that collectively represent who the User is.", Text("value", "The value of a role.")),
        MultiValued("x509Certificates", "A list of certificates issued to the User.",
            Typed("value", ScimAttributeType.Binary, "The value of an X.509 certificate."), AddressTypes),
    ],
    [new ScimSchemaExtension(EnterpriseUser, Required: false)]);

    public static ScimSchema Group { get; } = new(ScimConstants.GroupSchema, "Group", "Group",
    [
        Id,
        ExternalId,
        Text("displayName", "A human-readable name for the Group.") with { Required = true },
        Complex("members", "A list of members of the Group.",
            Text("value", "Identifier of the member of this Group.") with { CaseExact = true, Mutability = ScimMutability.Immutable },
            Ref("$ref", "The URI corresponding to a SCIM resource that is a member of this Group.", "User", "Group")
                with { Mutability = ScimMutability.Immutable },
            Text("display", "A human-readable name, primarily used for display purposes."),
            TypeAttribute("A label indicating the type of resource, e.g., 'User' or 'Group'.", "User", "Group")
                with { Mutability = ScimMutability.Immutable })
            with { MultiValued = true },
    ]);

    /// <summary>Every schema served by <c>/Schemas</c>.</summary>
    public static IReadOnlyList<ScimSchema> All { get; } = [User, Group, EnterpriseUser];

    /// <summary>The schema with this URN (case-insensitive), or null.</summary>
    public static ScimSchema? Find(string schemaUri) =>
        All.FirstOrDefault(s => string.Equals(s.Id, schemaUri, StringComparison.OrdinalIgnoreCase));

    private static ScimAttribute Text(string name, string description) => new() { Name = name, Description = description };

    private static ScimAttribute Typed(string name, ScimAttributeType type, string description) =>
        new() { Name = name, Type = type, Description = description };

    private static ScimAttribute Ref(string name, string description, params string[] referenceTypes) =>
        new() { Name = name, Type = ScimAttributeType.Reference, Description = description, ReferenceTypes = referenceTypes, CaseExact = true };

    private static ScimAttribute Complex(string name, string description, params ScimAttribute[] subAttributes) =>
        new() { Name = name, Type = ScimAttributeType.Complex, Description = description, SubAttributes = subAttributes };

    private static ScimAttribute TypeAttribute(string description, params string[] canonicalValues) =>
        Text("type", description) with { CanonicalValues = canonicalValues };

    private static ScimAttribute Primary() =>
        Typed("primary", ScimAttributeType.Boolean, "A Boolean value indicating the 'primary' or preferred attribute value for this attribute.");

    /// <summary>
    /// The usual multi-valued complex shape (value, display, type, primary). Without canonical types (roles,
    /// entitlements) clients address elements by <c>[primary eq "True"]</c>, as Entra's schema discovery does.
    /// </summary>
    private static ScimAttribute MultiValued(string name, string description, ScimAttribute value, params string[] canonicalTypes) =>
        Complex(name, description,
            value,
            Text("display", "A human-readable name, primarily used for display purposes."),
            TypeAttribute("A label indicating the attribute's function.", canonicalTypes),
            Primary()) with { MultiValued = true };
}
