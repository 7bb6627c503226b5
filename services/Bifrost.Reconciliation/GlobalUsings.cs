global using Bifrost.Reconciliation.Extensions;
global using Bifrost.Reconciliation.Infrastructure;
