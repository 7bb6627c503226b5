global using Bifrost.Gateway.Authentication;
global using Bifrost.Gateway.Extensions;
global using Bifrost.Gateway.Limits;
