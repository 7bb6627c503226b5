global using Bifrost.AppHost;
