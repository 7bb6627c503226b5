global using Bifrost.Identity.Apis;
global using Bifrost.Identity.Extensions;
global using Bifrost.Identity.Infrastructure;
global using Bifrost.Identity.Model;
global using Bifrost.Identity.Services;
