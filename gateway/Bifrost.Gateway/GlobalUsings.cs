global using Bifrost.Gateway.Authentication;
global using Bifrost.Gateway.Extensions;
