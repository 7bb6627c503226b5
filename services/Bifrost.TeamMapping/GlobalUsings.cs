global using Bifrost.TeamMapping.Extensions;
global using Bifrost.TeamMapping.Infrastructure;
