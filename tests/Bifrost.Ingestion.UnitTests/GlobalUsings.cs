global using System.Net;
global using System.Text.Json.Nodes;
global using Bifrost.Ingestion.Model;
global using Bifrost.Ingestion.Scim;
global using Bifrost.Scim;
