global using Bifrost.Ingestion.Apis;
global using Bifrost.Ingestion.Extensions;
global using Bifrost.Ingestion.Infrastructure;
global using Bifrost.Ingestion.Model;
global using Bifrost.Scim;
global using Bifrost.Ingestion.Scim;
global using Bifrost.Ingestion.Services;
