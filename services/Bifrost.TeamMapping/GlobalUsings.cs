global using Bifrost.TeamMapping.Apis;
global using Bifrost.TeamMapping.Extensions;
global using Bifrost.TeamMapping.Infrastructure;
global using Bifrost.TeamMapping.Model;
global using Bifrost.TeamMapping.Services;
